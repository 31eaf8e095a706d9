import type { SubAccount } from '../../ports/platform.ts';
import { chinaDateTime, toChinaIso } from '../china-time.ts';
import { BaijiayunError } from './errors.ts';
import type {
  BaijiayunCreateInput,
  BaijiayunLiveLine,
  BaijiayunUpdateInput,
  BaijiayunVideoLine,
} from './inputs.ts';
import type {
  AccountInfo,
  AddSubAccountParams,
  SetLiveAccountParams,
  SetVideoAccountParams,
} from './wire.ts';

/** A product line's on/off switch as the platform writes it. */
export const flag = (enabled: boolean): 0 | 1 => (enabled ? 1 : 0);

/** The `addSubAccount` fields of a create. */
export function addParams(input: BaijiayunCreateInput): AddSubAccountParams {
  const { largeClass, smallClass, business, video } = input.products ?? {};
  return {
    mobile: input.mobile,
    email: input.email,
    password: input.password,
    effect_time: chinaDateTime(input.effectTime),
    expire_time: chinaDateTime(input.expireTime),
    company: input.company,
    contacts: input.contacts,
    large_class_status: largeClass && flag(largeClass.enabled),
    large_class_user_limit: largeClass?.userLimit,
    large_class_max_user_limit: largeClass?.maxUserLimit,
    large_class_live_max_speakers: largeClass?.maxSpeakers,
    small_class_status: smallClass && flag(smallClass.enabled),
    business_status: business && flag(business.enabled),
    business_user_limit: business?.userLimit,
    business_max_user_limit: business?.maxUserLimit,
    business_live_max_speakers: business?.maxSpeakers,
    video_status: video && flag(video.enabled),
    flow: video?.flow,
    max_flow: video?.maxFlow,
    storage_limit: video?.storageLimit,
    max_storage_limit: video?.maxStorageLimit,
    credit_money: input.creditMoney,
  };
}

/** What we know of an account we just created when the platform would not show it to us. */
export function accountFromInput(id: string, input: BaijiayunCreateInput): SubAccount {
  const { largeClass, smallClass, business, video } = input.products ?? {};
  const details: Record<string, string | number> = { email: input.email };
  if (input.company !== undefined) details.company = input.company;
  if (input.contacts !== undefined) details.contacts = input.contacts;
  if (largeClass) details.large_class_status = flag(largeClass.enabled);
  if (smallClass) details.small_class_status = flag(smallClass.enabled);
  if (business) details.business_status = flag(business.enabled);
  if (video) details.video_status = flag(video.enabled);
  if (input.creditMoney !== undefined) details.credit_money = input.creditMoney;
  return {
    platform: 'baijiayun',
    id,
    naturalKey: input.mobile,
    status: 'unknown',
    effectiveAt: toChinaIso(input.effectTime),
    expiresAt: toChinaIso(input.expireTime),
    details,
  };
}

/** The `getAccountInfo` fields that hold what `setLiveAccount` / `setVideoAccount` require. */
type CurrentQuota =
  | 'large_class_user_limit'
  | 'large_class_max_user_limit'
  | 'business_user_limit'
  | 'business_max_user_limit'
  | 'flow'
  | 'max_flow'
  | 'storage_limit'
  | 'max_storage_limit';

/** Whether a line of an update leaves out a value its setter requires. */
export function lacksRequired(products: BaijiayunUpdateInput['products']): boolean {
  const { largeClass, business, video } = products ?? {};
  const live = [largeClass, business].some(
    (line) => line !== undefined && (line.userLimit === undefined || line.maxUserLimit === undefined),
  );
  const vod =
    video !== undefined &&
    [video.flow, video.maxFlow, video.storageLimit, video.maxStorageLimit].some((v) => v === undefined);
  return live || vod;
}

/**
 * The value to send for a required quota: the one given, else the account's current one. Sending 0 for a
 * value the caller did not mention would wipe a concurrency-billed account's quota.
 */
function given(value: number | undefined, current: AccountInfo | undefined, field: CurrentQuota): number {
  if (value !== undefined) return value;
  const kept = current?.[field];
  if (kept === undefined) {
    throw new BaijiayunError(
      `baijiayun update: getAccountInfo reported no integer ${field} to keep; pass it explicitly`,
      { category: 'protocol', operation: 'getAccountInfo' },
    );
  }
  return kept;
}

/** The `setLiveAccount` call of a large-class (1) or enterprise-live (4) line of an update. */
export function liveLine(
  id: string,
  productType: 1 | 4,
  line: BaijiayunLiveLine,
  current: AccountInfo | undefined,
): SetLiveAccountParams {
  const prefix = productType === 1 ? 'large_class' : 'business';
  return {
    sub_partner_id: id,
    product_type: productType,
    user_limit: given(line.userLimit, current, `${prefix}_user_limit`),
    max_user_limit: given(line.maxUserLimit, current, `${prefix}_max_user_limit`),
    status: flag(line.enabled),
    live_max_speakers: line.maxSpeakers,
  };
}

/** The `setVideoAccount` call of the video line of an update. */
export function videoLine(
  id: string,
  video: BaijiayunVideoLine,
  current: AccountInfo | undefined,
): SetVideoAccountParams {
  return {
    sub_partner_id: id,
    flow: given(video.flow, current, 'flow'),
    max_flow: given(video.maxFlow, current, 'max_flow'),
    storage_limit: given(video.storageLimit, current, 'storage_limit'),
    max_storage_limit: given(video.maxStorageLimit, current, 'max_storage_limit'),
    status: flag(video.enabled),
  };
}
