import { Duration, Lazy, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { platformNames } from '../../shared/platforms/registry.ts';

/**
 * What the account keeps on the key through IAM: administering it (the policy itself, rotation, state,
 * aliases, tags, deletion), never using it to open anything. Listed one by one rather than with CDK's
 * `kms:Create*`-style wildcards, which include `kms:CreateGrant`: a grant would hand Decrypt to anyone.
 */
const KEY_ADMINISTRATION = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:UpdateKeyDescription',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:RevokeGrant',
  'kms:RetireGrant',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/** The context the cipher binds to every sealed blob: a known platform and a tenant id. */
const SEALING_CONTEXT = {
  StringEquals: { 'kms:EncryptionContext:platform': [...platformNames] },
  Null: { 'kms:EncryptionContext:tenantId': 'false' },
};

/** Settings of a {@link CredentialsSealingKey}. */
export interface CredentialsSealingKeyProps {
  /**
   * An existing IAM role that may also Decrypt, for an operator who must read credentials when the handler
   * cannot (context `breakGlassRoleArn`). It must exist when the key policy is written: KMS refuses a policy
   * naming an unknown principal.
   */
  readonly breakGlassRoleArn?: string | undefined;
}

/**
 * The KMS key (`{id}Key`) that seals vendor sub-account credentials stored in the ledger.
 *
 * A key of its own, so reading the ledger (the CLI, a table export, a PITR restore) never reveals
 * credentials: opening them takes kms:Decrypt on this key, with the account's platform and tenant as
 * encryption context. Retained: deleting it would make every stored credential unreadable.
 *
 * Its key policy does not delegate Decrypt to IAM (the default policy's `kms:*` for the account would let
 * any principal with IAM `kms:Decrypt` on `*` open credentials). The account keeps the administration
 * actions and `kms:Encrypt` (sealing reveals nothing, and `provisioner reconcile --repair` seals); Decrypt is
 * allowed to the roles {@link grantSealAndOpen} names and the break-glass role only, and explicitly denied to
 * everyone else, grants included. An administrator can still rewrite the policy (`kms:PutKeyPolicy`, which
 * keeps the key from becoming unmanageable); that change is in CloudTrail.
 *
 * The key is created in `scope`, beside this construct rather than under it, so that it keeps the logical ID
 * and construct path it had before this construct existed.
 */
export class CredentialsSealingKey extends Construct {
  /** The key itself. */
  readonly key: kms.Key;
  /** ARNs of the roles that may Decrypt; read when the policy is synthesized. */
  readonly #openers: string[] = [];

  constructor(scope: Construct, id: string, props: CredentialsSealingKeyProps = {}) {
    super(scope, id);
    const account = new iam.AccountRootPrincipal();
    this.key = new kms.Key(scope, `${id}Key`, {
      description: 'Seals vendor sub-account credentials stored in the provisioning ledger',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
      // An explicit policy replaces CDK's default one (the account root with kms:*).
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AccountAdministersKey',
            principals: [account],
            actions: KEY_ADMINISTRATION,
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'AccountSealsThroughIam',
            principals: [account],
            actions: ['kms:Encrypt'],
            resources: ['*'],
            conditions: SEALING_CONTEXT,
          }),
          new iam.PolicyStatement({
            sid: 'OnlyNamedRolesOpen',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ['kms:Decrypt', 'kms:ReEncrypt*'],
            resources: ['*'],
            conditions: {
              ArnNotEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.#openers }) },
            },
          }),
        ],
      }),
    });
    if (props.breakGlassRoleArn !== undefined) {
      this.#openers.push(props.breakGlassRoleArn);
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'BreakGlassOpens',
          principals: [new iam.ArnPrincipal(props.breakGlassRoleArn)],
          actions: ['kms:Decrypt'],
          resources: ['*'],
        }),
      );
    }
  }

  /**
   * Lets `role` seal and open credentials: Encrypt/Decrypt only (no data keys, no re-encryption), and only
   * with the context the cipher binds to each blob, a known platform and a tenant id. The role's own policy
   * gets statement `SealCredentials`; the key policy names the role for Decrypt (statement `{Sid}Opens`
   * for the role's construct id), which is what lets it open: IAM alone no longer can.
   */
  grantSealAndOpen(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SealCredentials',
        actions: ['kms:Encrypt', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: SEALING_CONTEXT,
      }),
    );
    this.#openers.unshift(role.roleArn);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${role.node.id.replace(/[^A-Za-z0-9]/g, '')}Opens`,
        principals: [new iam.ArnPrincipal(role.roleArn)],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: SEALING_CONTEXT,
      }),
    );
  }
}
