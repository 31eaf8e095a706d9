/**
 * Credentials for the local AWS implementations (dynalite, fauxqs): they check none, but the SDK insists
 * on having some. Never used against AWS, where the normal provider chain applies.
 */
export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** SDK client options: AWS's own endpoint and credential chain, or a local endpoint with local credentials. */
export function awsClientOptions(
  region: string,
  endpoint: string | undefined,
): { region: string; endpoint?: string; credentials?: typeof LOCAL_AWS_CREDENTIALS } {
  return endpoint === undefined ? { region } : { region, endpoint, credentials: LOCAL_AWS_CREDENTIALS };
}
