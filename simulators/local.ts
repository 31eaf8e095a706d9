import { simulatorModules } from './registry.ts';

type Modules = typeof simulatorModules;
type Name = keyof Modules;

/** Fixed credentials of the local simulators, by platform (see each simulator's `local.ts`). */
export const LOCAL_SIMULATOR_CREDENTIALS = Object.fromEntries(
  Object.entries(simulatorModules).map(([name, module]) => [name, module.credentials]),
) as { readonly [K in Name]: Modules[K]['credentials'] };

/** Options of {@link startLocalSimulators}. */
export interface LocalSimulatorOptions {
  /** The first simulator's port; the others take the next ones, in registry order. Free ports when absent. */
  readonly firstPort?: number | undefined;
  /** A port per simulator, over {@link firstPort}. */
  readonly ports?: Partial<Record<Name, number>> | undefined;
  /** Sample sub-accounts to put on each simulator, so a first `list` shows something. */
  readonly seed?: number | undefined;
  /** Wire format the emitted `CLOOPEN_FORMAT` asks for. */
  readonly cloopenFormat?: 'json' | 'xml' | undefined;
}

/** Every simulator, by platform, and the settings that point clients at them. */
export type LocalSimulators = { readonly [K in Name]: Awaited<ReturnType<Modules[K]['start']>> } & {
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
};

/** Starts the simulator of every registered platform with its fixed local credentials. */
export async function startLocalSimulators(options: LocalSimulatorOptions = {}): Promise<LocalSimulators> {
  const names = Object.keys(simulatorModules) as Name[];
  const started = await Promise.all(
    names.map((name, i) =>
      simulatorModules[name].start({
        port: options.ports?.[name] ?? (options.firstPort === undefined ? undefined : options.firstPort + i),
        seed: options.seed,
        format: options.cloopenFormat,
      }),
    ),
  );
  const byName = Object.fromEntries(names.map((name, i) => [name, started[i]]));
  return {
    ...byName,
    env: Object.assign({}, ...started.map((s) => s.env)),
    close: async () => {
      await Promise.all(started.map((s) => s.close()));
    },
  } as LocalSimulators;
}
