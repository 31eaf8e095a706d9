import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientOptions } from '../aws/local.ts';
import type { BaseConfig } from '../config.ts';

/** The SQS client of the provisioning queue (fauxqs locally). Build once per execution environment. */
export function buildQueueClient(runtime: BaseConfig): SQSClient {
  return new SQSClient(awsClientOptions(runtime.region, runtime.sqsEndpoint));
}
