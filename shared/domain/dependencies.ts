import type { CredentialCipher } from '../ports/cipher.ts';
import type { AccountRecord, Ledger } from '../ports/ledger.ts';
import type { OutcomePublisher } from '../ports/outcome-publisher.ts';
import type { ConnectedPlatform, PlatformDirectory } from '../ports/platform-module.ts';
import type { Secret } from '../secret.ts';
import { ProvisioningError, RequestNotApplicableError } from './errors.ts';
import type { ProvisioningRequest, RequestContract } from './request.ts';

/** Settings of the use cases. */
export interface ProvisioningSettings {
  /** Where a platform requires an expiry and a create names none, it is now plus this many days. */
  readonly defaultHorizonDays: number;
  /** Deliveries before SQS moves a message to the DLQ; the last failed attempt says so in the history. */
  readonly maxReceiveCount: number;
}

/** What the provisioning use cases need, all injected. */
export interface ProvisioningDependencies {
  readonly ledger: Ledger;
  readonly platforms: PlatformDirectory;
  readonly contract: RequestContract;
  readonly cipher: CredentialCipher;
  readonly settings: ProvisioningSettings;
  readonly now?: (() => Date) | undefined;
  /** Where concluded requests' outcome events go; none are published without it. */
  readonly outcomes?: OutcomePublisher | undefined;
  /** Password for creates that bring none where the platform needs one; 16 random characters by default. */
  readonly generatePassword?: (() => Secret) | undefined;
}

/** What an action did, for the history, and the account record it leaves (saved with the conclusion). */
export interface Applied {
  readonly result: string;
  readonly detail: string;
  /** The account to save, version one above the one read; none when the action left it as it was. */
  readonly account?: AccountRecord | undefined;
}

/** The connected platform a (validated) request names. */
export function platformOf(request: ProvisioningRequest, deps: ProvisioningDependencies): ConnectedPlatform {
  const platform = deps.platforms.get(request.platform);
  if (!platform) {
    // The contract admits only registered platforms, so this is a wiring mistake: retry once it is fixed.
    throw new ProvisioningError(`No platform ${request.platform} is wired into this function`, {
      reason: 'platform-not-configured',
      retryable: true,
    });
  }
  return platform;
}

/** Stored times are UTC ISO strings, whatever offset the caller wrote, so they sort and compare as text. */
export function normalise(instant: string | undefined): string | undefined {
  return instant === undefined ? undefined : new Date(instant).toISOString();
}

/** The account of a follow-up request, which must have its sub-account. */
export function provisioned(
  account: AccountRecord | undefined,
  request: ProvisioningRequest,
): AccountRecord & { subAccountId: string } {
  if (account?.state === 'pending' && !account.subAccountId) {
    // Its create is still being retried (or waits in the DLQ for a redrive): wait behind it rather than
    // drop this request, so the tenant's requests still apply in the order they were sent.
    throw new ProvisioningError(
      `Cannot ${request.action} ${request.platform}/${request.tenantId} yet: its create (${account.pendingRequestId}) has not finished`,
      { reason: 'waiting-for-create', retryable: true },
    );
  }
  const subAccountId = account?.subAccountId;
  if (!account || !subAccountId) {
    throw new RequestNotApplicableError(
      `Cannot ${request.action} ${request.platform}/${request.tenantId}: no sub-account has been provisioned for it${
        account ? ` (the account is ${account.state})` : ''
      }`,
      'not-provisioned',
    );
  }
  return { ...account, subAccountId };
}

/**
 * Claims the natural key for the tenant before anything reaches the platform, so that a name or mobile
 * already provisioned for another tenant is refused instead of created twice or, worse, adopted: two
 * tenants must never share one sub-account.
 */
export async function claimNaturalKey(
  request: ProvisioningRequest,
  platform: ConnectedPlatform,
  naturalKey: string,
  deps: ProvisioningDependencies,
): Promise<void> {
  const { holder } = await deps.ledger.claimNaturalKey(
    request.platform,
    naturalKey,
    request.tenantId,
    request.requestId,
  );
  if (holder !== request.tenantId) {
    throw new RequestNotApplicableError(
      `${request.platform} ${platform.naturalKey} ${naturalKey} already belongs to tenant ${holder}`,
      'natural-key-taken',
    );
  }
}
