/** A stack setting (context value or prop) that cannot produce a valid deployment. The message names it. */
export class InfraConfigurationError extends Error {
  override readonly name = 'InfraConfigurationError';
  /** The context key or prop at fault. */
  readonly setting: string;

  constructor(message: string, setting: string, options?: ErrorOptions) {
    super(message, options);
    this.setting = setting;
  }
}
