import { BaijiayunError, isUnknownAccount, unknownPartnerError } from './errors.ts';
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
  /**
   * One sub-account with its password, `partner_key` and `secret_key` (as Secrets). Code 2001 throws
   * `not-found` once a list call proved the partner id, else `authentication` (the partner id is unknown).
   */
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
 *
 * The platform answers 2001 "账号不存在" both for an unknown master `partner_id` and for an unknown
 * `sub_partner_id`. A 2001 from a call that names a sub-account therefore stands as `not-found` only once
 * a list call (which names none) has proved the master account works; if the list gets 2001 too, the
 * partner id is wrong and the error is a `BaijiayunUnknownPartnerError`. If the proof fails some
 * other way (a timeout, a rate limit), that failure is thrown: nothing is concluded about the sub-account.
 */
export class BaijiayunEndpoints implements BaijiayunApi {
  readonly #transport: BaijiayunTransport;

  constructor(transport: BaijiayunTransport) {
    this.#transport = transport;
  }

  async getSubAccountList(params: GetSubAccountListParams = {}): Promise<SubAccountListPage> {
    return this.#asMaster('getSubAccountList', () =>
      this.#transport.call('getSubAccountList', params, false, decodeListPage),
    );
  }

  addSubAccount(params: AddSubAccountParams): Promise<AddSubAccountResult> {
    return this.#asMaster('addSubAccount', () =>
      this.#transport.call('addSubAccount', params, true, decodeAddResult),
    );
  }

  getAccountInfo(subPartnerId: string): Promise<AccountInfo> {
    return this.#aboutSubAccount(subPartnerId, () =>
      this.#transport.call('getAccountInfo', { sub_partner_id: subPartnerId }, false, decodeAccountInfo),
    );
  }

  setLiveAccount(params: SetLiveAccountParams): Promise<void> {
    return this.#aboutSubAccount(params.sub_partner_id, () =>
      this.#transport.call('setLiveAccount', params, true, decodeNothing),
    );
  }

  setVideoAccount(params: SetVideoAccountParams): Promise<void> {
    return this.#aboutSubAccount(params.sub_partner_id, () =>
      this.#transport.call('setVideoAccount', params, true, decodeNothing),
    );
  }

  setCreditMoney(params: SetCreditMoneyParams): Promise<void> {
    return this.#aboutSubAccount(params.sub_partner_id, () =>
      this.#transport.call('setCreditMoney', params, true, decodeNothing),
    );
  }

  setAccountStatus(params: SetAccountStatusParams): Promise<void> {
    return this.#aboutSubAccount(params.sub_partner_id, () =>
      this.#transport.call('setAccountStatus', params, true, decodeNothing),
    );
  }

  updateSubAccount(params: UpdateSubAccountParams): Promise<void> {
    return this.#aboutSubAccount(params.sub_partner_id, () =>
      this.#transport.call('updateSubAccount', params, true, decodeNothing),
    );
  }

  /** A call that names no sub-account: its 2001 can only mean the partner id, named in the error. */
  async #asMaster<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isUnknownAccount(error)) throw unknownPartnerError(operation, this.#transport.partnerId, error);
      throw error;
    }
  }

  /** A call that names a sub-account: its 2001 is `not-found` only once the master account is proved. */
  async #aboutSubAccount<T>(subPartnerId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!isUnknownAccount(error)) throw error;
      // The cheapest call that names no sub-account. Its own failure (2001 included, as an unknown partner)
      // is the answer: the sub-account's fate stays unknown.
      await this.getSubAccountList({ status: 0, page: 1, page_size: 1 });
      throw new BaijiayunError(
        `baijiayun ${error.operation ?? 'call'}: sub-account ${subPartnerId} does not exist (code 2001; partner_id ${this.#transport.partnerId} answered a list call)`,
        {
          category: 'not-found',
          code: error.code,
          vendorMessage: error.vendorMessage,
          operation: error.operation,
          cause: error,
        },
      );
    }
  }
}
