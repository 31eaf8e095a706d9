import type { Platform } from '../../ports/platform.ts';

/** Input of Cloopen create. */
export interface CloopenCreateInput {
  /** Unique per master account; the docs recommend an email address. */
  readonly friendlyName: string;
  /** Application the sub-account belongs to; the client's configured app when absent. */
  readonly appId?: string | undefined;
}

/** Cloopen has no update endpoint: `update` always answers `unsupported`. */
export type CloopenUpdateInput = Readonly<Record<string, never>>;

/** The Cloopen flavour of the port. */
export type CloopenPlatform = Platform<CloopenCreateInput, CloopenUpdateInput>;
