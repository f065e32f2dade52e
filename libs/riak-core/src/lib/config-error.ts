/** Invalid configuration: the message names the variable; a node exits 2 with it at start (README, configuration table). */
export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
  }
}
