/** `GET /`: the browser chat page (chat-page.ts). */
import { Controller, Get, Header } from '@nestjs/common';
import { CHAT_PAGE_CSP, CHAT_PAGE_HTML } from './chat-page';

@Controller()
export class ChatPageController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CHAT_PAGE_CSP)
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return CHAT_PAGE_HTML;
  }
}
