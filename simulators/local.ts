import { startBaijiayunSimulator } from './baijiayun/server.ts';
import { startCloopenSimulator } from './cloopen/server.ts';

/**
 * Fixed credentials of the local simulators. They authenticate nothing real; fixing them lets the README
 * show exact commands and lets a restarted stack keep talking to the same "accounts".
 */
export const LOCAL_SIMULATOR_CREDENTIALS = {
  cloopen: {
    accountSid: '8a216da8000000000000000000000001',
    authToken: '5a7e1c0000000000000000000000beef',
    appId: '8a216da8000000000000000000a99001',
  },
  baijiayun: {
    partnerId: '38000001',
    partnerKey: 'bG9jYWwtc2ltdWxhdG9yLXBhcnRuZXIta2V5LW5vdC1hLXNlY3JldA==',
  },
} as const;

/** Options of {@link startLocalSimulators}. */
export interface LocalSimulatorOptions {
  readonly cloopenPort?: number | undefined;
  readonly baijiayunPort?: number | undefined;
  /** Sample sub-accounts to put on each simulator, so a first `list` shows something. */
  readonly seed?: number | undefined;
  /** Wire format the emitted `CLOOPEN_FORMAT` asks for. */
  readonly cloopenFormat?: 'json' | 'xml' | undefined;
}

/** Both simulators, and the `CLOOPEN_*` / `BAIJIAYUN_*` settings that point clients at them. */
export interface LocalSimulators {
  readonly env: Readonly<Record<string, string>>;
  readonly cloopen: Awaited<ReturnType<typeof startCloopenSimulator>>;
  readonly baijiayun: Awaited<ReturnType<typeof startBaijiayunSimulator>>;
  close(): Promise<void>;
}

/** Starts both simulators with {@link LOCAL_SIMULATOR_CREDENTIALS}. */
export async function startLocalSimulators(options: LocalSimulatorOptions = {}): Promise<LocalSimulators> {
  const c = LOCAL_SIMULATOR_CREDENTIALS.cloopen;
  const b = LOCAL_SIMULATOR_CREDENTIALS.baijiayun;
  const cloopen = await startCloopenSimulator({
    port: options.cloopenPort,
    accountSid: c.accountSid,
    authToken: c.authToken,
    appIds: [c.appId],
  });
  const baijiayun = await startBaijiayunSimulator({
    port: options.baijiayunPort,
    partnerId: b.partnerId,
    partnerKey: b.partnerKey,
  });
  for (let i = 1; i <= (options.seed ?? 0); i++) {
    cloopen.seed(`sample${i}@example.com`, c.appId);
    baijiayun.state.add({
      mobile: `1990000${String(i).padStart(4, '0')}`,
      email: `sample${i}@example.com`,
      password: `Sample-${i}-pass`,
      effect_time: '2026-01-01 00:00:00',
      expire_time: '2027-12-31 23:59:59',
      company: `Sample ${i}`,
    });
  }
  return {
    env: {
      CLOOPEN_BASE_URL: cloopen.baseUrl,
      CLOOPEN_ACCOUNT_SID: c.accountSid,
      CLOOPEN_AUTH_TOKEN: c.authToken,
      CLOOPEN_APP_ID: c.appId,
      CLOOPEN_FORMAT: options.cloopenFormat ?? 'json',
      BAIJIAYUN_BASE_URL: baijiayun.baseUrl,
      BAIJIAYUN_PARTNER_ID: b.partnerId,
      BAIJIAYUN_PARTNER_KEY: b.partnerKey,
    },
    cloopen,
    baijiayun,
    close: async () => {
      await Promise.all([cloopen.close(), baijiayun.close()]);
    },
  };
}
