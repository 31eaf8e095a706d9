export {
  BAIJIAYUN_MAX_PAGE_SIZE,
  type BaijiayunClient,
  type BaijiayunClientDeps,
  BaijiayunRestClient,
  createBaijiayunClient,
} from './client.ts';
export {
  BaijiayunCloseIncompleteError,
  BaijiayunError,
  type BaijiayunErrorOptions,
  BaijiayunUnknownPartnerError,
  categoryOf,
} from './errors.ts';
export { baijiayunBudgetKey, budgetLimiter, type RateLimiter } from './limiter.ts';
export { sign, signingString, type WireParams } from './signing.ts';
export {
  type AccountInfo,
  type AddSubAccountParams,
  type AddSubAccountResult,
  BAIJIAYUN_ENDPOINTS,
  type BaijiayunEndpoint,
  type GetSubAccountListParams,
  type ProductStatuses,
  type SetAccountStatusParams,
  type SetCreditMoneyParams,
  type SetLiveAccountParams,
  type SetVideoAccountParams,
  type SubAccountListItem,
  type SubAccountListPage,
  type UpdateSubAccountParams,
} from './wire.ts';
