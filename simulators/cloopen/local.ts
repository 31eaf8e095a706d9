import { startCloopenSimulator } from './server.ts';

/**
 * Fixed credentials of the local Cloopen simulator. They authenticate nothing real; fixing them lets the
 * README show exact commands and lets a restarted stack keep talking to the same "accounts".
 */
export const CLOOPEN_LOCAL_CREDENTIALS = {
  accountSid: '8a216da8000000000000000000000001',
  authToken: '5a7e1c0000000000000000000000beef',
  appId: '8a216da8000000000000000000a99001',
} as const;

/** The Cloopen simulator as `npm start` runs it, with the `CLOOPEN_*` settings that point a client at it. */
export const cloopenLocalSimulator = {
  credentials: CLOOPEN_LOCAL_CREDENTIALS,
  async start(options: {
    port?: number | undefined;
    seed?: number | undefined;
    format?: 'json' | 'xml' | undefined;
  }) {
    const c = CLOOPEN_LOCAL_CREDENTIALS;
    const simulator = await startCloopenSimulator({
      port: options.port,
      accountSid: c.accountSid,
      authToken: c.authToken,
      appIds: [c.appId],
    });
    for (let i = 1; i <= (options.seed ?? 0); i++) simulator.seed(`sample${i}@example.com`, c.appId);
    const env = {
      CLOOPEN_BASE_URL: simulator.baseUrl,
      CLOOPEN_ACCOUNT_SID: c.accountSid,
      CLOOPEN_AUTH_TOKEN: c.authToken,
      CLOOPEN_APP_ID: c.appId,
      CLOOPEN_FORMAT: options.format ?? 'json',
    };
    return Object.assign(simulator, { env });
  },
};
