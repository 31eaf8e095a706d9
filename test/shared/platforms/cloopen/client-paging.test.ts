import { afterEach, describe, expect, it } from 'vitest';
import type {
  CloopenSimulatorHandle,
  CloopenSimulatorOptions,
} from '../../../../simulators/cloopen/server.ts';
import { clientFor, collect, startSimulator } from './harness.ts';

describe('Cloopen client paging', () => {
  let sim: CloopenSimulatorHandle | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  async function seeded(
    startNoBase: 0 | 1,
    count: number,
    extra: Pick<CloopenSimulatorOptions, 'closedVisibleInList' | 'totalCountMeans' | 'servedPageSize'> = {},
  ) {
    const started = await startSimulator({ startNoBase, ...extra });
    sim = started;
    const names = Array.from({ length: count }, (_, i) => `user${String(i).padStart(3, '0')}@example.com`);
    for (const name of names) started.seed(name);
    return { sim: started, names };
  }

  describe.each([0, 1] as const)('on a platform whose startNo counts from %s', (base) => {
    it.each([
      [100, 'json'],
      [7, 'json'],
      [100, 'xml'],
      [7, 'xml'],
    ] as const)('lists 250 accounts exactly once with page size %s (%s)', async (pageSize, format) => {
      // Prepare
      const { sim: server, names } = await seeded(base, 250);
      const client = clientFor(server, format);

      // Act
      const listed = await collect(client.list({ pageSize }));

      // Assess
      const ids = listed.map((a) => a.id);
      expect(new Set(ids).size).toBe(250);
      expect(listed.map((a) => a.naturalKey).sort()).toEqual(names);
    });

    it('lists every account once with page size 1', async () => {
      // Prepare
      const { sim: server, names } = await seeded(base, 5);
      const client = clientFor(server, 'xml');

      // Act
      const listed = await collect(client.list({ pageSize: 1 }));

      // Assess
      expect(listed.map((a) => a.naturalKey)).toEqual(names);
    });

    it('finds the very last account by sid', async () => {
      // Prepare
      const { sim: server } = await seeded(base, 250);
      const last = server.state.accounts[249];
      const client = clientFor(server, 'json');

      // Act
      const found = await client.get(last?.subAccountSid ?? '');

      // Assess
      expect(found?.naturalKey).toBe('user249@example.com');
    });

    it('lists nothing, in one request, when there are no accounts', async () => {
      // Prepare
      const { sim: server } = await seeded(base, 0);
      const client = clientFor(server, 'xml');

      // Act
      const listed = await collect(client.list());

      // Assess
      expect(listed).toEqual([]);
      expect(server.state.requests).toHaveLength(1);
    });
  });

  it('asks for at most 100 a page whatever the caller wants', async () => {
    // Prepare
    const { sim: server } = await seeded(0, 250);
    const client = clientFor(server, 'json');

    // Act
    const listed = await collect(client.list({ pageSize: 1000 }));

    // Assess
    expect(listed).toHaveLength(250);
    expect(server.state.requests.map((r) => r.outcome)).toEqual(['000000', '000000', '000000']);
  });

  it('asks for at least 1 a page', async () => {
    // Prepare
    const { sim: server } = await seeded(0, 3);
    const client = clientFor(server, 'json');

    // Act
    const listed = await collect(client.list({ pageSize: 0 }));

    // Assess
    expect(listed.map((a) => a.naturalKey)).toEqual([
      'user000@example.com',
      'user001@example.com',
      'user002@example.com',
    ]);
    // Three full pages, then the empty one that ends the walk: a full page never ends it by totalCount.
    expect(server.state.requests).toHaveLength(4);
  });

  describe.each(['all', 'page'] as const)('when totalCount counts %s', (totalCountMeans) => {
    describe.each([0, 1] as const)('and startNo counts from %s', (base) => {
      it.each([
        [100, 'json'],
        [7, 'xml'],
      ] as const)('lists 250 accounts exactly once with page size %s (%s)', async (pageSize, format) => {
        // Prepare
        const { sim: server, names } = await seeded(base, 250, { totalCountMeans });
        const client = clientFor(server, format);

        // Act
        const listed = await collect(client.list({ pageSize }));

        // Assess
        expect(listed).toHaveLength(250);
        expect(listed.map((a) => a.naturalKey).sort()).toEqual(names);
      });

      it('finds the very last account by sid', async () => {
        // Prepare
        const { sim: server } = await seeded(base, 250, { totalCountMeans });
        const last = server.state.accounts[249];
        const client = clientFor(server, 'json');

        // Act
        const found = await client.get(last?.subAccountSid ?? '');

        // Assess
        expect(found?.naturalKey).toBe('user249@example.com');
      });
    });
  });

  it.each([0, 1] as const)(
    'keeps paging past short pages from a server that caps the page size (startNo from %s)',
    async (base) => {
      // Prepare
      const { sim: server, names } = await seeded(base, 250, { servedPageSize: 40 });
      const client = clientFor(server, 'json');

      // Act
      const listed = await collect(client.list({ pageSize: 100 }));

      // Assess
      expect(listed).toHaveLength(250);
      expect(listed.map((a) => a.naturalKey).sort()).toEqual(names);
    },
  );

  it('stops on a short page when totalCount says there is nothing more', async () => {
    // Prepare
    const { sim: server } = await seeded(0, 250);
    const client = clientFor(server, 'json');

    // Act
    const listed = await collect(client.list({ pageSize: 100 }));

    // Assess
    expect(listed).toHaveLength(250);
    expect(server.state.requests).toHaveLength(3);
  });

  it('lists closed accounts too where the platform still shows them', async () => {
    // Prepare
    const { sim: server } = await seeded(0, 5, { closedVisibleInList: true });
    const client = clientFor(server, 'json');
    await client.close(server.state.accounts[2]?.subAccountSid ?? '');

    // Act
    const listed = await collect(client.list({ pageSize: 2 }));

    // Assess
    expect(listed).toHaveLength(5);
  });

  it('leaves closed accounts out where the platform hides them', async () => {
    // Prepare
    const { sim: server } = await seeded(0, 5);
    const client = clientFor(server, 'json');
    await client.close(server.state.accounts[2]?.subAccountSid ?? '');

    // Act
    const listed = await collect(client.list({ pageSize: 2 }));

    // Assess
    expect(listed.map((a) => a.naturalKey)).not.toContain('user002@example.com');
    expect(listed).toHaveLength(4);
  });

  it('starts again from 1 when a platform refuses startNo 0', async () => {
    // Prepare
    const { sim: server } = await seeded(1, 3);
    server.inject({
      operation: 'GetSubAccounts',
      fault: { kind: 'vendor-error', code: '111199', message: 'startNo' },
    });
    const client = clientFor(server, 'json');

    // Act
    const listed = await collect(client.list());

    // Assess
    expect(listed).toHaveLength(3);
  });
});
