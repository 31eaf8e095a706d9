import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OUTCOME_DETAIL_TYPES, OUTCOME_SOURCE } from '../../shared/events/names.ts';

/** Settings of {@link OutcomeEvents}. */
export interface OutcomeEventsProps {
  /** Deliveries of one event to the example queue's consumer before it moves to the DLQ. Default 10. */
  readonly exampleMaxReceiveCount?: number | undefined;
}

/**
 * Where concluded requests are announced: a custom EventBridge bus the handler publishes outcome events to
 * (`source` `provisioner`, `detail-type` per outcome), and an example rule delivering every one of them to
 * an SQS queue for a signup flow, with a dead-letter queue of its own for events its consumer keeps failing
 * and for deliveries EventBridge could not make.
 *
 * The queues carry no personal data (an event has none beyond the tenant id), so SQS-managed encryption is
 * enough, and EventBridge needs no key grant to deliver.
 */
export class OutcomeEvents extends Construct {
  readonly bus: events.EventBus;
  readonly rule: events.Rule;
  /** The example signup-flow queue: each message body is one outcome event (the rule's `detail`). */
  readonly exampleQueue: sqs.Queue;
  readonly exampleDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: OutcomeEventsProps = {}) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Outcome events of concluded provisioning requests',
    });

    this.exampleDeadLetterQueue = new sqs.Queue(this, 'ExampleDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.exampleDeadLetterQueue).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason:
        'This is the dead-letter queue of the example outcome queue (and of the rule target), the last stop: its events stay 14 days for the signup flow to inspect and replay, and a dead-letter queue of its own would only move them out of sight.',
    });
    this.exampleQueue = new sqs.Queue(this, 'ExampleQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Each `provisioner outcomes` read counts as a receive too: room for a few besides the consumer's.
      deadLetterQueue: {
        queue: this.exampleDeadLetterQueue,
        maxReceiveCount: props.exampleMaxReceiveCount ?? 10,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.rule = new events.Rule(this, 'ExampleRule', {
      eventBus: this.bus,
      description: 'Example: every provisioning outcome to the signup flow queue',
      eventPattern: { source: [OUTCOME_SOURCE], detailType: Object.values(OUTCOME_DETAIL_TYPES) },
      targets: [
        new targets.SqsQueue(this.exampleQueue, {
          // The queue carries the outcome event itself, as the local outcomes queue does.
          message: events.RuleTargetInput.fromEventPath('$.detail'),
          deadLetterQueue: this.exampleDeadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }

  /** Lets `grantee` put events on the bus, and on no other bus. */
  grantPublish(grantee: iam.IGrantable): void {
    this.bus.grantPutEventsTo(grantee);
  }
}
