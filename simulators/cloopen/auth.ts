import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseChinaCompactTimestamp } from '../../shared/platforms/china-time.ts';
import { CLOOPEN_SIM_CODES, VendorAnswer } from './answers.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The one main account the simulator knows, and its clock. */
export interface MainAccount {
  readonly accountSid: string;
  readonly token: string;
  readonly now: () => Date;
}

function md5Upper(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
}

/**
 * Checks `Authorization` (base64 `sid:ts`, ts within 24 hours of the clock) and `sig` (upper-case hex MD5
 * of sid + token + ts; `sigs` is every `sig` of the query); throws the platform's answer when they fail.
 */
export function authenticate(
  req: IncomingMessage,
  pathSid: string,
  sigs: readonly string[],
  main: MainAccount,
): void {
  const header = req.headers.authorization;
  if (header === undefined || header === '') {
    throw new VendorAnswer(CLOOPEN_SIM_CODES.sigMismatch, '【账号】请求包头Authorization参数为空');
  }
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(header) ? Buffer.from(header, 'base64').toString('utf8') : '';
  const separator = decoded.indexOf(':');
  if (separator <= 0) {
    throw new VendorAnswer(CLOOPEN_SIM_CODES.sigMismatch, '【账号】请求包头Authorization参数解码后格式有误');
  }
  const authSid = decoded.slice(0, separator);
  const timestamp = decoded.slice(separator + 1);
  const instant = parseChinaCompactTimestamp(timestamp);
  if (instant === undefined) throw new VendorAnswer(CLOOPEN_SIM_CODES.timestampFormat);
  if (pathSid !== main.accountSid) throw new VendorAnswer(CLOOPEN_SIM_CODES.mainAccountMissing);
  if (authSid !== pathSid) {
    throw new VendorAnswer(
      CLOOPEN_SIM_CODES.sigMismatch,
      '【账号】Authorization中账户ID与请求地址中的不一致',
    );
  }
  if (Math.abs(main.now().getTime() - instant.getTime()) > DAY_MS) {
    throw new VendorAnswer(CLOOPEN_SIM_CODES.timestampExpired);
  }
  // The document asks for one sig parameter: several (even equal) leave which one was checked to chance.
  if (sigs.length > 1) throw new VendorAnswer(CLOOPEN_SIM_CODES.sigMismatch, '【账号】请求地址Sig参数重复');
  const [sig] = sigs;
  if (sig === undefined || sig === '')
    throw new VendorAnswer(CLOOPEN_SIM_CODES.sigMismatch, '【账号】请求地址Sig参数为空');
  if (!/^[0-9A-F]{32}$/.test(sig) || sig !== md5Upper(`${main.accountSid}${main.token}${timestamp}`)) {
    throw new VendorAnswer(CLOOPEN_SIM_CODES.sigMismatch, '【账号】请求地址Sig校验失败');
  }
}
