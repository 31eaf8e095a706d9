import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Restores lockfile entries for Biome's per-platform binaries that this machine's registry does not serve.
 *
 * The npm registry reachable here lacks `@biomejs/cli-{darwin,win32,android,linux-*-musl}-*`, so `npm
 * install` leaves them out of `package-lock.json`, and `npm ci` then refuses the lockfile as out of sync.
 * npm never downloads an optional package for another OS or CPU, so an entry naming its platform is all
 * `npm ci` needs. Run `node scripts/complete-lockfile.ts` after any `npm install` that rewrites the lockfile.
 */
interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

const file = fileURLToPath(new URL('../package-lock.json', import.meta.url));
const lock = JSON.parse(readFileSync(file, 'utf8')) as { packages: Record<string, LockEntry> };
const biome = lock.packages['node_modules/@biomejs/biome'];
let added = 0;
for (const [name, version] of Object.entries(biome?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const match = /cli-(android|darwin|linux|win32)-(arm64|x64)(-musl)?$/.exec(name);
  if (!match) throw new Error(`cannot tell the platform of ${name}`);
  lock.packages[key] = {
    version,
    cpu: [match[2]],
    dev: true,
    ...(match[3] ? { libc: ['musl'] } : {}),
    license: 'MIT OR Apache-2.0',
    optional: true,
    os: [match[1]],
  };
  added++;
}
const { '': root, ...rest } = lock.packages;
lock.packages = {
  '': root ?? {},
  ...Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1))),
};
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} lockfile entr${added === 1 ? 'y' : 'ies'}`);
