import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { RATE_BUDGET_PARTITION_PREFIX } from '../../shared/ledger/rate-budget-store.ts';
import {
  ACCOUNT_PARTITION_PREFIX,
  LEDGER_INDEX,
  LEDGER_TABLE_KEYS,
  LEDGER_TTL_ATTRIBUTE,
  NATURAL_KEY_PARTITION_PREFIX,
  QUARANTINE_PARTITION_PREFIX,
} from '../../shared/ledger/table.ts';

/**
 * The ledger of accounts and request histories: one DynamoDB table with the keys and state index of
 * `shared/ledger/table.ts`, on-demand, with point-in-time recovery and deletion protection, retained.
 *
 * Rights on it are granted one concern at a time ({@link grantItemReadWrite}, {@link grantClaimRelease},
 * {@link grantStateIndexQuery}), so that each function gets what it uses and nothing else.
 *
 * The table (`{id}Table`) is created in `scope`, beside this construct rather than under it, so that it keeps
 * the logical ID and construct path it had before this construct existed.
 */
export class LedgerTable extends Construct {
  /** The table itself. */
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.table = new dynamodb.TableV2(scope, `${id}Table`, {
      partitionKey: { name: LEDGER_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: LEDGER_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: LEDGER_INDEX.indexName,
          partitionKey: { name: LEDGER_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: LEDGER_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
          // Keys only: suspends, resumes and updates then cost no index write (see shared/ledger/table.ts).
          projectionType: dynamodb.ProjectionType.KEYS_ONLY,
        },
      ],
      // Rejection records expire (see shared/ledger/table.ts); nothing else carries the attribute.
      timeToLiveAttribute: LEDGER_TTL_ATTRIBUTE,
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // The AWS-managed key, not the credentials key: credentials are already sealed, and reading the rest
      // of the ledger (states, histories) must not require the right to open credentials.
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets `grantee` read, create and update items of the base table (statement `LedgerReadWrite`): no query,
   * scan, index or delete. Histories are append-only. For the handler, whose request path reads by key
   * (GetItem, BatchGetItem) and never lists: listing a partition is the CLI's, the sweep's, the
   * reconciliation's and the prober's, each with a grant of its own.
   */
  grantItemReadWrite(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LedgerReadWrite',
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
      }),
    );
  }

  /**
   * Lets `grantee` delete natural-key claims, and no other item (statement `LedgerReleaseClaims`): a Baijiayun
   * mobile change gives the old mobile up.
   */
  grantClaimRelease(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LedgerReleaseClaims',
        actions: ['dynamodb:DeleteItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${NATURAL_KEY_PARTITION_PREFIX}*`] },
        },
      }),
    );
  }

  /**
   * Lets `grantee` read account records, and no other item (statement `LedgerAccountRead`): listings read
   * keys from the keys-only index and the records with BatchGetItem.
   */
  grantAccountRead(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LedgerAccountRead',
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ACCOUNT_PARTITION_PREFIX}*`] },
        },
      }),
    );
  }

  /**
   * GetItem on account partitions only (statement `LedgerGetAccountRecord`), for a managed policy: what the
   * credentials reader calls, and not BatchGetItem, Query or a write.
   */
  accountRecordGetStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'LedgerGetAccountRecord',
      actions: ['dynamodb:GetItem'],
      resources: [this.table.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ACCOUNT_PARTITION_PREFIX}*`] },
      },
    });
  }

  /**
   * Lets `grantee` query the index (statement `LedgerIndexQuery`): accounts by platform and phase, the ones
   * due by expiry, rejections by day, without scanning.
   */
  grantIndexQuery(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LedgerIndexQuery',
        actions: ['dynamodb:Query'],
        resources: [`${this.table.tableArn}/index/${LEDGER_INDEX.indexName}`],
      }),
    );
  }

  /**
   * Lets `grantee` take back a parking it made in a quarantine that ended meanwhile (statement
   * `LedgerUnparkOwn`): DeleteItem on quarantine items only.
   */
  grantUnpark(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LedgerUnparkOwn',
        actions: ['dynamodb:DeleteItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${QUARANTINE_PARTITION_PREFIX}*`] },
        },
      }),
    );
  }

  /**
   * Lets `grantee` book slots of the fleet-wide rate budgets (statement `LedgerRateBudget`): GetItem and
   * UpdateItem on rate-budget items only. For functions that call platforms without {@link grantItemReadWrite}
   * (which covers these items already).
   */
  grantRateBudget(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LedgerRateBudget',
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${RATE_BUDGET_PARTITION_PREFIX}*`] },
        },
      }),
    );
  }
}
