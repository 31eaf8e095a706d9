import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';

/**
 * Runs `fn` on an EventBridge Scheduler `expression`, through a role of its own that may invoke that
 * function only. A missed run is not retried late: the next one covers it.
 */
export function scheduleFunction(
  scope: Construct,
  fn: lambda.Function,
  expression: scheduler.ScheduleExpression,
  what: string,
): scheduler.Schedule {
  const invoker = new iam.Role(scope, 'ScheduleRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
    description: `Lets EventBridge Scheduler run the ${what}`,
  });
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  Validations.of(invoker).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(scope).getLogicalId(cfn)}.Arn>:*]`,
    reason: `EventBridge Scheduler’s Lambda target grants invoke on the ${what} function and its versions (ARN:*); no other function.`,
  });
  Validations.of(fn).acknowledge({
    id: 'Serverless::Serverless-LambdaDLQ',
    reason: `Only this schedule invokes the ${what}, with an empty event: a dead-letter queue would keep nothing worth replaying. A failed run raises the function's Errors alarm, and the next scheduled run redoes the work from the ledger.`,
  });
  return new scheduler.Schedule(scope, 'Schedule', {
    description: `Runs the ${what}`,
    schedule: expression,
    target: new targets.LambdaInvoke(fn, {
      role: invoker,
      input: scheduler.ScheduleTargetInput.fromObject({}),
      retryAttempts: 0,
    }),
  });
}
