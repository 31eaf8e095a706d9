/**
 * The principal tag that, with the stack's `CredentialsReaderPolicyArn` managed policy, lets a role open
 * credentials: its value is the stack name. The credentials key's policy exempts roles carrying it from the
 * Deny that keeps everyone else out (see `infra/constructs/credentials-sealing-key.ts`).
 */
export const CREDENTIALS_READER_TAG_KEY = 'provisioner:credentials-reader';
