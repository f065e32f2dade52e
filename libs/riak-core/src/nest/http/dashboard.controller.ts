/** `GET /`: the cluster dashboard page (dashboard-page.ts). */
import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard-page';

@ApiExcludeController()
@Controller()
export class DashboardController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', DASHBOARD_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return DASHBOARD_HTML;
  }
}
