import type { BaijiayunTransport } from './transport.ts';
import {
  type AccountInfo,
  type AddSubAccountParams,
  type AddSubAccountResult,
  decodeAccountInfo,
  decodeAddResult,
  decodeListPage,
  decodeNothing,
  type GetSubAccountListParams,
  type SetAccountStatusParams,
  type SetCreditMoneyParams,
  type SetLiveAccountParams,
  type SetVideoAccountParams,
  type SubAccountListPage,
  type UpdateSubAccountParams,
} from './wire.ts';

/**
 * One typed method per `new_sub` endpoint, in the platform's own field names. `partner_id`, `timestamp`
 * and `sign` are added to every call by the transport.
 */
export interface BaijiayunApi {
  /** One page of sub-accounts. The server may cap `page_size` silently: page by what comes back. */
  getSubAccountList(params?: GetSubAccountListParams): Promise<SubAccountListPage>;
  /** Creates a sub-account; not retried (a lost answer is `outcomeUnknown`). */
  addSubAccount(params: AddSubAccountParams): Promise<AddSubAccountResult>;
  /** One sub-account with its password, `partner_key` and `secret_key` (as Secrets). Code 2001 throws `not-found`. */
  getAccountInfo(subPartnerId: string): Promise<AccountInfo>;
  setLiveAccount(params: SetLiveAccountParams): Promise<void>;
  setVideoAccount(params: SetVideoAccountParams): Promise<void>;
  setCreditMoney(params: SetCreditMoneyParams): Promise<void>;
  setAccountStatus(params: SetAccountStatusParams): Promise<void>;
  updateSubAccount(params: UpdateSubAccountParams): Promise<void>;
}

/**
 * The {@link BaijiayunApi} over a {@link BaijiayunTransport}: reads (`getSubAccountList`, `getAccountInfo`)
 * are retried, every other endpoint changes state and is sent once.
 */
export class BaijiayunEndpoints implements BaijiayunApi {
  readonly #transport: BaijiayunTransport;

  constructor(transport: BaijiayunTransport) {
    this.#transport = transport;
  }

  getSubAccountList(params: GetSubAccountListParams = {}): Promise<SubAccountListPage> {
    return this.#transport.call('getSubAccountList', params, false, decodeListPage);
  }

  addSubAccount(params: AddSubAccountParams): Promise<AddSubAccountResult> {
    return this.#transport.call('addSubAccount', params, true, decodeAddResult);
  }

  getAccountInfo(subPartnerId: string): Promise<AccountInfo> {
    return this.#transport.call('getAccountInfo', { sub_partner_id: subPartnerId }, false, decodeAccountInfo);
  }

  setLiveAccount(params: SetLiveAccountParams): Promise<void> {
    return this.#transport.call('setLiveAccount', params, true, decodeNothing);
  }

  setVideoAccount(params: SetVideoAccountParams): Promise<void> {
    return this.#transport.call('setVideoAccount', params, true, decodeNothing);
  }

  setCreditMoney(params: SetCreditMoneyParams): Promise<void> {
    return this.#transport.call('setCreditMoney', params, true, decodeNothing);
  }

  setAccountStatus(params: SetAccountStatusParams): Promise<void> {
    return this.#transport.call('setAccountStatus', params, true, decodeNothing);
  }

  updateSubAccount(params: UpdateSubAccountParams): Promise<void> {
    return this.#transport.call('updateSubAccount', params, true, decodeNothing);
  }
}
