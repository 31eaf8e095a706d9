import { fileURLToPath } from 'node:url';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { LedgerTable } from '../../infra/constructs/ledger-table.ts';
import { PipelineAlarms } from '../../infra/constructs/pipeline-alarms.ts';
import { ProvisioningFunction } from '../../infra/constructs/provisioning-function.ts';
import { QueueWithDlq } from '../../infra/constructs/queue-with-dlq.ts';
import { InfraConfigurationError } from '../../infra/errors.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Skips esbuild: these tests look at the template, not at the bundle. */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
/** Any module serves as an entry when bundling is skipped. */
const SOME_ENTRY = fileURLToPath(import.meta.url);

function bareStack(): Stack {
  return new Stack(new App({ context: NO_BUNDLING }), 'Bare');
}

function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

function statementsOf(template: Template): Statement[] {
  return resourcesOfType(template, 'AWS::IAM::Policy').flatMap(
    ([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

function actionsOf(statement: Statement): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
}

function ordersQueues(stack: Stack, encryptionKey?: kms.IKey): QueueWithDlq {
  return new QueueWithDlq(stack, 'Orders', {
    queueName: 'orders.fifo',
    deadLetterQueueName: 'orders-dlq.fifo',
    maxReceiveCount: 3,
    visibilityTimeout: Duration.seconds(90),
    encryptionKey,
  });
}

describe('QueueWithDlq', () => {
  it('makes a FIFO queue that redrives to its FIFO dead-letter queue after maxReceiveCount receives', () => {
    // Prepare
    const stack = bareStack();

    // Act
    const queues = ordersQueues(stack);

    // Assess
    const template = Template.fromStack(stack);
    const queueId = stack.getLogicalId(queues.queue.node.defaultChild as CfnElement);
    const dlqId = stack.getLogicalId(queues.deadLetterQueue.node.defaultChild as CfnElement);
    const queue = template.toJSON().Resources[queueId] as Resource;
    expect(queue.Properties).toMatchObject({
      QueueName: 'orders.fifo',
      FifoQueue: true,
      VisibilityTimeout: 90,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 3 },
    });
    expect(template.toJSON().Resources[dlqId]).toMatchObject({
      Properties: { QueueName: 'orders-dlq.fifo', FifoQueue: true },
    });
  });

  it('encrypts both queues with a key it creates, or with the key it is given', () => {
    // Prepare
    const own = bareStack();
    const given = bareStack();
    const key = new kms.Key(given, 'SharedKey');

    // Act
    ordersQueues(own);
    ordersQueues(given, key);

    // Assess
    for (const stack of [own, given]) {
      const template = Template.fromStack(stack);
      const [[keyId]] = resourcesOfType(template, 'AWS::KMS::Key') as [[string, Resource]];
      const queues = resourcesOfType(template, 'AWS::SQS::Queue').map(([, q]) => q.Properties);
      expect(queues).toHaveLength(2);
      for (const queue of queues) expect(queue.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
  });

  it('creates its resources beside itself, so they get the logical IDs of resources defined in the stack', () => {
    // Prepare
    const viaConstruct = bareStack();
    const direct = bareStack();
    const plain = new sqs.Queue(direct, 'PaymentsQueue', { fifo: true });

    // Act
    const queues = new QueueWithDlq(viaConstruct, 'Payments', {
      queueName: 'payments.fifo',
      deadLetterQueueName: 'payments-dlq.fifo',
      maxReceiveCount: 5,
      visibilityTimeout: Duration.seconds(30),
    });

    // Assess
    expect(viaConstruct.getLogicalId(queues.queue.node.defaultChild as CfnElement)).toBe(
      direct.getLogicalId(plain.node.defaultChild as CfnElement),
    );
  });
});

describe('ProvisioningFunction', () => {
  const sweep = (stack: Stack, environment?: Record<string, string>) =>
    new ProvisioningFunction(stack, 'Sweep', {
      entry: SOME_ENTRY,
      description: 'A sweep',
      roleDescription: 'The sweep',
      timeout: Duration.seconds(30),
      environment,
    });

  it('gives its function a role that may write only to its own log group', () => {
    // Prepare
    const stack = bareStack();

    // Act
    const fn = sweep(stack);

    // Assess
    const template = Template.fromStack(stack);
    const logGroupArn = {
      'Fn::GetAtt': [stack.getLogicalId(fn.logGroup.node.defaultChild as CfnElement), 'Arn'],
    };
    const [[, role]] = resourcesOfType(template, 'AWS::IAM::Role') as [[string, Resource]];
    const statements = statementsOf(template);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(statements).toEqual([
      expect.objectContaining({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: logGroupArn,
      }),
    ]);
  });

  it('runs nodejs24.x on arm64 without X-Ray tracing, its own variables and the common Powertools ones', () => {
    // Prepare
    const stack = bareStack();

    // Act
    sweep(stack, { SWEEP_LIMIT: '100' });

    // Assess
    const [[, fn]] = resourcesOfType(Template.fromStack(stack), 'AWS::Lambda::Function') as [
      [string, Resource],
    ];
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: {
          SWEEP_LIMIT: '100',
          POWERTOOLS_SERVICE_NAME: 'provisioner',
          POWERTOOLS_METRICS_NAMESPACE: 'Provisioner',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('refuses a variable that would override a setting common to every function', () => {
    // Prepare
    const stack = bareStack();

    // Act
    const build = () => sweep(stack, { POWERTOOLS_SERVICE_NAME: 'sweep' });

    // Assess
    expect(build).toThrow(InfraConfigurationError);
  });
});

describe('LedgerTable', () => {
  it('grants item reads and writes (no query), claim release, account reads and index queries as separate least-privilege statements', () => {
    // Prepare
    const stack = bareStack();
    const ledger = new LedgerTable(stack, 'Ledger');
    const role = new iam.Role(stack, 'Reader', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });

    // Act
    ledger.grantItemReadWrite(role);
    ledger.grantClaimRelease(role);
    ledger.grantIndexQuery(role);
    ledger.grantAccountRead(role);

    // Assess
    const tableArn = {
      'Fn::GetAtt': [stack.getLogicalId(ledger.table.node.defaultChild as CfnElement), 'Arn'],
    };
    const bySid = Object.fromEntries(statementsOf(Template.fromStack(stack)).map((s) => [s.Sid, s]));
    expect(bySid.LedgerReadWrite?.Resource).toEqual(tableArn);
    expect(bySid.LedgerReadWrite && actionsOf(bySid.LedgerReadWrite)).not.toContain('dynamodb:DeleteItem');
    expect(bySid.LedgerReadWrite && actionsOf(bySid.LedgerReadWrite)).not.toContain('dynamodb:Query');
    expect(bySid.LedgerReleaseClaims?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['NATURALKEY#*'] },
    });
    expect(bySid.LedgerIndexQuery).toMatchObject({
      Action: 'dynamodb:Query',
      Resource: { 'Fn::Join': ['', [tableArn, '/index/byPhase']] },
    });
    expect(bySid.LedgerAccountRead).toMatchObject({
      Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ACCOUNT#*'] } },
    });
  });
});

describe('PipelineAlarms', () => {
  it('notifies the same topic of a later alarm when it fires and when it clears', () => {
    // Prepare
    const stack = bareStack();
    const alarms = new PipelineAlarms(stack, 'Alarm', {
      queues: ordersQueues(stack),
      handler: lambda.Function.fromFunctionName(stack, 'Handler', 'handler'),
      backlogAgeThreshold: Duration.minutes(15),
    });

    // Act
    const sweepFailed = alarms.addAlarm('SweepFailedAlarm', {
      alarmDescription: 'The expiry sweep failed.',
      metric: new cloudwatch.Metric({ namespace: 'Provisioner', metricName: 'sweep_failed' }),
    });

    // Assess
    const template = Template.fromStack(stack);
    const topic = { Ref: stack.getLogicalId(alarms.topic.node.defaultChild as CfnElement) };
    const alarm =
      template.toJSON().Resources[stack.getLogicalId(sweepFailed.node.defaultChild as CfnElement)];
    expect(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).toHaveLength(6);
    expect(alarm.Properties).toMatchObject({
      AlarmActions: [topic],
      OKActions: [topic],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });
});
