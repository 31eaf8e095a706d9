/**
 * Status codes the simulator answers. Most are from the notes' table (111156 from their edge-case
 * section); `subAccountMissing` and `invalidParameter` are not documented anywhere public (a search of
 * public SDKs and projects found no list), so the simulator picks codes inside Cloopen's `1111xx` account
 * block with texts in the platform's `【账号】…` style. Clients must not depend on these two numbers, only
 * on the documented ones and on the texts' meaning.
 */
export const CLOOPEN_SIM_CODES = {
  success: '000000',
  timestampExpired: '111106',
  sigMismatch: '111109',
  rateLimited: '111111',
  timestampFormat: '111113',
  mainAccountMissing: '111141',
  nameTaken: '111150',
  appMissing: '111181',
  /** Undocumented: chosen here for a `subAccountSid` or name it never had. */
  subAccountMissing: '111143',
  /**
   * A second close of a sub-account, or a query of a name whose sub-account is closed: 111156
   * "【账号】子账户已关闭", the code and text the notes found in Cloopen's code tables.
   */
  subAccountClosed: '111156',
  /** Undocumented: chosen here for a missing or malformed body field. */
  invalidParameter: '111199',
} as const;

/** The `statusMsg` of a code when the refusal brings no text of its own. */
export const MESSAGES: Readonly<Record<string, string>> = {
  [CLOOPEN_SIM_CODES.rateLimited]: '【账号】请求并发数过多',
  [CLOOPEN_SIM_CODES.timestampExpired]: '【账号】请求包头Authorization参数解码后时间戳过期',
  [CLOOPEN_SIM_CODES.timestampFormat]: '【账号】请求包头Authorization参数中时间戳格式有误',
  [CLOOPEN_SIM_CODES.mainAccountMissing]: '【账号】主账户不存在',
  [CLOOPEN_SIM_CODES.nameTaken]: '【账号】子账户名称重复',
  [CLOOPEN_SIM_CODES.appMissing]: '【应用】应用不存在',
  [CLOOPEN_SIM_CODES.subAccountMissing]: '【账号】子账户不存在',
  [CLOOPEN_SIM_CODES.subAccountClosed]: '【账号】子账户已关闭',
};

/**
 * A platform error: thrown by the checks and the operations, answered as `statusCode`/`statusMsg` (the
 * text from {@link MESSAGES} unless given).
 */
export class VendorAnswer extends Error {
  readonly code: string;
  constructor(code: string, message?: string) {
    super(message ?? MESSAGES[code] ?? `【账号】错误 ${code}`);
    this.code = code;
  }
}
