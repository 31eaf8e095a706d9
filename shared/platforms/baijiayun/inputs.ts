import type { Platform } from '../../ports/platform.ts';
import type { Secret } from '../../secret.ts';

/** Concurrency limits of a Baijiayun live product line (large class or enterprise live). */
export interface BaijiayunLiveLine {
  readonly enabled: boolean;
  /** Concurrent users allowed (only in concurrency billing; 0 otherwise). */
  readonly userLimit?: number | undefined;
  /** Concurrent users allowed beyond `userLimit` (concurrency billing only). */
  readonly maxUserLimit?: number | undefined;
  /** People allowed on the mic at once. */
  readonly maxSpeakers?: number | undefined;
}

/** Video-on-demand quotas (flow and storage; ignored by the platform in pay-as-you-go billing). */
export interface BaijiayunVideoLine {
  readonly enabled: boolean;
  readonly flow?: number | undefined;
  readonly maxFlow?: number | undefined;
  readonly storageLimit?: number | undefined;
  readonly maxStorageLimit?: number | undefined;
}

/** Product lines of a Baijiayun sub-account. Absent lines are left as the platform defaults them (off). */
export interface BaijiayunProducts {
  readonly largeClass?: BaijiayunLiveLine | undefined;
  readonly smallClass?: { readonly enabled: boolean } | undefined;
  readonly business?: BaijiayunLiveLine | undefined;
  readonly video?: BaijiayunVideoLine | undefined;
}

/** Input of Baijiayun create: every field the platform requires is required here. */
export interface BaijiayunCreateInput {
  readonly mobile: string;
  readonly email: string;
  readonly password: Secret;
  readonly effectTime: Date;
  readonly expireTime: Date;
  readonly company?: string | undefined;
  readonly contacts?: string | undefined;
  readonly products?: BaijiayunProducts | undefined;
  readonly creditMoney?: number | undefined;
}

/** Changes to a Baijiayun sub-account; each present group becomes one platform call. */
export interface BaijiayunUpdateInput {
  readonly mobile?: string | undefined;
  readonly email?: string | undefined;
  readonly password?: Secret | undefined;
  readonly company?: string | undefined;
  readonly contacts?: string | undefined;
  readonly effectTime?: Date | undefined;
  readonly expireTime?: Date | undefined;
  readonly products?: BaijiayunProducts | undefined;
  readonly creditMoney?: number | undefined;
}

/** The Baijiayun flavour of the port. */
export type BaijiayunPlatform = Platform<BaijiayunCreateInput, BaijiayunUpdateInput>;
