import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { CredentialsSealingKey } from './credentials-sealing-key.ts';
import type { LedgerTable } from './ledger-table.ts';

/** Settings of a {@link CredentialsReaderPolicy}. */
export interface CredentialsReaderPolicyProps {
  readonly ledger: LedgerTable;
  /** Must have been built with the same `readerTag`, or the key policy keeps readers out. */
  readonly credentials: CredentialsSealingKey;
  /** The principal tag a reader's role carries besides this policy. */
  readonly readerTag: { readonly key: string; readonly value: string };
}

/**
 * The customer-managed policy (`{id}/Policy`) a signup flow's role attaches to read sub-account
 * credentials with `createCredentialsReader` or `provisioner credentials`: GetItem of account records
 * (`ACCOUNT#*` partitions) in the ledger, and Decrypt with the credentials key under the platform and tenant
 * encryption context. Nothing else: no listing, no write, no other key.
 *
 * The policy alone opens nothing: the key policy lets only roles carrying {@link readerTag} Decrypt, so a
 * role needs both, which keeps an accidental attachment from handing out credentials.
 */
export class CredentialsReaderPolicy extends Construct {
  readonly policy: iam.ManagedPolicy;
  readonly readerTag: { readonly key: string; readonly value: string };

  constructor(scope: Construct, id: string, props: CredentialsReaderPolicyProps) {
    super(scope, id);
    this.readerTag = props.readerTag;
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Reads sub-account credentials from the ${Stack.of(scope).stackName} ledger; the role must also carry the tag ${props.readerTag.key}=${props.readerTag.value}`,
      statements: [props.ledger.accountRecordGetStatement(), props.credentials.openStatement()],
    });
  }
}
