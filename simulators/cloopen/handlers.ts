import { randomBytes, randomInt } from 'node:crypto';
import { chinaDateTime } from '../../shared/platforms/china-time.ts';
import { CLOOPEN_SIM_CODES, VendorAnswer } from './answers.ts';
import type { CloopenSimulatorState, SimulatedSubAccount } from './state.ts';
import type { SimAnswer } from './wire.ts';

/** The five Func names; also the operation names of fault rules. */
export const CLOOPEN_SIM_OPERATIONS = [
  'SubAccounts',
  'GetSubAccounts',
  'QuerySubAccountByName',
  'CloseSubAccount',
  'AccountInfo',
] as const;
/** One of the {@link CLOOPEN_SIM_OPERATIONS}. */
export type Operation = (typeof CLOOPEN_SIM_OPERATIONS)[number];

/** What the operations depend on: the simulator's options (see `CloopenSimulatorOptions`), defaults applied. */
export interface OperationSettings {
  readonly now: () => Date;
  /** Apps of the main account; anything else is `111181`. */
  readonly appIds: readonly string[];
  /** What `startNo` counts from. */
  readonly startNoBase: 0 | 1;
  readonly closedVisibleInList: boolean | undefined;
  readonly closedNamesReusable: boolean | undefined;
  readonly totalCountMeans: 'all' | 'page';
  readonly servedPageSize: number;
  /** `111143` "【账号】子账户不存在" when absent. */
  readonly notFoundAnswer: { readonly code: string; readonly message: string } | undefined;
}

/** The Funcs, over the simulator's state. */
export interface Operations {
  /** Performs one Func with its body fields; throws a {@link VendorAnswer} for a platform error. */
  perform(operation: Operation, fields: Record<string, string>): SimAnswer;
  /** Stores a new active sub-account with fresh credentials, created now. */
  addAccount(appId: string, friendlyName: string): SimulatedSubAccount;
}

const MAX_FRIENDLY_NAME = 64;

/**
 * The body fields each Func takes: the tables of the create and get-subaccounts documents, the notes for
 * the two calls beyond them (`CloseSubAccount` takes `subAccountSid`, and `appId`, which some clients
 * add). A field the documents do not list is refused, as a strict platform would: a misspelt optional
 * field must never be silently ignored. `AccountInfo` is a GET and takes no body.
 */
const BODY_FIELDS: Readonly<Record<Operation, ReadonlySet<string>>> = {
  SubAccounts: new Set(['appId', 'friendlyName']),
  GetSubAccounts: new Set(['appId', 'startNo', 'offset']),
  QuerySubAccountByName: new Set(['appId', 'friendlyName']),
  CloseSubAccount: new Set(['subAccountSid', 'appId']),
  AccountInfo: new Set(),
};
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The per-Func behaviour: field checks and bounds, name uniqueness, paging, closing. */
export function createOperations(state: CloopenSimulatorState, settings: OperationSettings): Operations {
  const { now, startNoBase: base, totalCountMeans, servedPageSize } = settings;
  const subAccountMissing = () =>
    settings.notFoundAnswer === undefined
      ? new VendorAnswer(CLOOPEN_SIM_CODES.subAccountMissing)
      : new VendorAnswer(settings.notFoundAnswer.code, settings.notFoundAnswer.message);
  const apps = new Set(settings.appIds);

  const nameHeld = (account: SimulatedSubAccount, name: string) =>
    account.friendlyName === name && (account.status === 'active' || !settings.closedNamesReusable);

  function uniqueVoipAccount(): string {
    for (;;) {
      const candidate = `8${String(randomInt(0, 10 ** 6)).padStart(6, '0')}${String(randomInt(0, 10 ** 7)).padStart(7, '0')}`;
      if (!state.accounts.some((a) => a.voipAccount === candidate)) return candidate;
    }
  }

  function addAccount(appId: string, friendlyName: string): SimulatedSubAccount {
    const account: SimulatedSubAccount = {
      appId,
      friendlyName,
      subAccountSid: randomBytes(16).toString('hex'),
      subToken: randomBytes(16).toString('hex'),
      voipAccount: uniqueVoipAccount(),
      voipPwd: Array.from({ length: 8 }, () => ALNUM[randomInt(0, ALNUM.length)]).join(''),
      dateCreated: chinaDateTime(now()),
      status: 'active',
    };
    state.accounts.push(account);
    return account;
  }

  function requireApp(fields: Record<string, string>, required: boolean): string | undefined {
    const appId = fields.appId;
    if (appId === undefined || appId === '') {
      if (required) throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, '【账号】参数appId为空');
      return undefined;
    }
    if (!apps.has(appId)) throw new VendorAnswer(CLOOPEN_SIM_CODES.appMissing);
    return appId;
  }

  function requireName(fields: Record<string, string>): string {
    const name = fields.friendlyName;
    if (name === undefined || name === '') {
      throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, '【账号】参数friendlyName为空');
    }
    if ([...name].length > MAX_FRIENDLY_NAME) {
      throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, '【账号】参数friendlyName过长');
    }
    return name;
  }

  function numberField(fields: Record<string, string>, key: string, fallback: number): number {
    const value = fields[key];
    if (value === undefined) return fallback;
    if (!/^\d{1,9}$/.test(value)) {
      throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, `【账号】参数${key}格式错误`);
    }
    return Number(value);
  }

  const created = (a: SimulatedSubAccount) => ({
    subAccountSid: a.subAccountSid,
    subToken: a.subToken,
    dateCreated: a.dateCreated,
    voipAccount: a.voipAccount,
    voipPwd: a.voipPwd,
  });

  const subAccountClosed = () => new VendorAnswer(CLOOPEN_SIM_CODES.subAccountClosed);

  function perform(operation: Operation, fields: Record<string, string>): SimAnswer {
    const unknown = Object.keys(fields).find((key) => !BODY_FIELDS[operation].has(key));
    if (unknown !== undefined) {
      throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, `【账号】请求包体含未知参数${unknown}`);
    }
    switch (operation) {
      case 'SubAccounts': {
        const appId = requireApp(fields, true) ?? '';
        const name = requireName(fields);
        if (state.accounts.some((a) => nameHeld(a, name)))
          throw new VendorAnswer(CLOOPEN_SIM_CODES.nameTaken);
        return { statusCode: CLOOPEN_SIM_CODES.success, SubAccount: created(addAccount(appId, name)) };
      }
      case 'GetSubAccounts': {
        const appId = requireApp(fields, true);
        const startNo = numberField(fields, 'startNo', base);
        const offset = numberField(fields, 'offset', 100);
        if (offset < 1 || offset > 100) {
          throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, '【账号】参数offset取值范围为1到100');
        }
        const visible = state.accounts.filter(
          (a) => a.appId === appId && (a.status === 'active' || settings.closedVisibleInList),
        );
        const from = base === 0 ? startNo : Math.max(startNo, 1) - 1;
        const served = visible.slice(from, from + Math.min(offset, servedPageSize));
        return {
          statusCode: CLOOPEN_SIM_CODES.success,
          totalCount: String(totalCountMeans === 'all' ? visible.length : served.length),
          SubAccount: served.map((a) => ({
            subAccountSid: a.subAccountSid,
            subToken: a.subToken,
            friendlyName: a.friendlyName,
            dateCreated: a.dateCreated,
            voipAccount: a.voipAccount,
            voipPwd: a.voipPwd,
          })),
        };
      }
      case 'QuerySubAccountByName': {
        const appId = requireApp(fields, true);
        const name = requireName(fields);
        // An open account answers; a name whose only sub-account is closed is 111156 (the notes), even
        // while the closed account still holds the name against a create (111150).
        const named = state.accounts.filter((a) => a.appId === appId && a.friendlyName === name);
        const found = named.find((a) => a.status === 'active');
        if (found !== undefined) return { statusCode: CLOOPEN_SIM_CODES.success, SubAccount: created(found) };
        if (named.length > 0) throw subAccountClosed();
        throw subAccountMissing();
      }
      case 'CloseSubAccount': {
        const appId = requireApp(fields, false);
        const sid = fields.subAccountSid;
        if (sid === undefined || sid === '') {
          throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, '【账号】参数subAccountSid为空');
        }
        const found = state.accounts.find(
          (a) => a.subAccountSid === sid && (appId === undefined || a.appId === appId),
        );
        if (found === undefined) throw subAccountMissing();
        // Closing is one-way: a second close meets the closed sub-account (the notes' 111156).
        if (found.status === 'closed') throw subAccountClosed();
        found.status = 'closed';
        return { statusCode: CLOOPEN_SIM_CODES.success };
      }
      case 'AccountInfo': {
        const m = state.master;
        return {
          statusCode: CLOOPEN_SIM_CODES.success,
          Account: {
            friendlyName: m.friendlyName,
            type: m.type,
            status: m.status,
            dateCreated: m.dateCreated,
            dateUpdated: m.dateUpdated,
            balance: m.balance,
            subBalance: m.subBalance,
          },
        };
      }
    }
  }

  return { perform, addAccount };
}
