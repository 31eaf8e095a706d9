import { startBaijiayunSimulator } from './server.ts';

/** Fixed credentials of the local Baijiayun simulator (see `CLOOPEN_LOCAL_CREDENTIALS` for why). */
export const BAIJIAYUN_LOCAL_CREDENTIALS = {
  partnerId: '38000001',
  partnerKey: 'bG9jYWwtc2ltdWxhdG9yLXBhcnRuZXIta2V5LW5vdC1hLXNlY3JldA==',
} as const;

/** The Baijiayun simulator as `npm start` runs it, with the `BAIJIAYUN_*` settings that point a client at it. */
export const baijiayunLocalSimulator = {
  credentials: BAIJIAYUN_LOCAL_CREDENTIALS,
  async start(options: { port?: number | undefined; seed?: number | undefined }) {
    const b = BAIJIAYUN_LOCAL_CREDENTIALS;
    const simulator = await startBaijiayunSimulator({
      port: options.port,
      partnerId: b.partnerId,
      partnerKey: b.partnerKey,
    });
    for (let i = 1; i <= (options.seed ?? 0); i++) {
      simulator.state.add({
        mobile: `1990000${String(i).padStart(4, '0')}`,
        email: `sample${i}@example.com`,
        password: `Sample-${i}-pass`,
        effect_time: '2026-01-01 00:00:00',
        expire_time: '2027-12-31 23:59:59',
        company: `Sample ${i}`,
      });
    }
    const env = {
      BAIJIAYUN_BASE_URL: simulator.baseUrl,
      BAIJIAYUN_PARTNER_ID: b.partnerId,
      BAIJIAYUN_PARTNER_KEY: b.partnerKey,
    };
    return Object.assign(simulator, { env });
  },
};
