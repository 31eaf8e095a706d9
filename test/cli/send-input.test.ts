import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { type CliStack, capture, startCliStack } from '../support/cli.ts';
import { eventually } from '../support/fauxqs.ts';

let dir: string;
let env: Record<string, string>;
let files = 0;

let running: CliStack | undefined;

beforeAll(async () => {
  running = await startCliStack('cli-send-');
  ({ dir, env } = running);
});

afterAll(async () => {
  await running?.stop();
});

/** A close request: valid under the contract whatever the ledger holds. */
const close = (requestId: string, tenantId = 'send_t') =>
  JSON.stringify({ schemaVersion: 1, requestId, action: 'close', platform: 'cloopen', tenantId });

async function inputFile(content: string | Uint8Array): Promise<string> {
  files += 1;
  const file = join(dir, `input-${files}.jsonl`);
  await writeFile(file, content);
  return file;
}

async function send(file: string) {
  const output = capture();
  const code = await runCli(['send', file], env, output);
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr };
}

describe('provisioner send, given an awkward input file', () => {
  it('sends a file that starts with a UTF-8 byte order mark, as editors on Windows save it', async () => {
    // Prepare
    const file = await inputFile(`\uFEFF${close('bom-1', 'bom_a')}\r\n${close('bom-2', 'bom_b')}\r\n`);

    // Act
    const { code, stdout } = await send(file);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/Sent 2 of 2 request\(s\)/);
  });

  it('names a byte order mark inside the file, where two files were joined', async () => {
    // Prepare
    const file = await inputFile(`${close('join-1')}\n\uFEFF${close('join-2')}\n`);

    // Act
    const { code, stderr } = await send(file);

    // Assess
    expect(code).toBe(1);
    expect(stderr.join('\n')).toMatch(/^line 2: starts with a byte order mark \(U\+FEFF\)/m);
    expect(stderr.join('\n')).toMatch(/1 bad line\(s\); nothing was sent/);
  });

  it('refuses a UTF-16 file, naming the encoding', async () => {
    // Prepare
    const file = await inputFile(Buffer.from(`\uFEFF${close('utf16-1')}\n`, 'utf16le'));

    // Act
    const { code, stderr } = await send(file);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toEqual([`error: ${file} is UTF-16 text: save it as UTF-8; nothing was sent`]);
  });

  it('prints the first 20 bad lines of a large bad file and counts the rest', async () => {
    // Prepare
    const file = await inputFile(`${Array.from({ length: 1000 }, (_, i) => `{"n":${i}`).join('\n')}\n`);

    // Act
    const { code, stderr } = await send(file);

    // Assess
    expect(code).toBe(1);
    expect(stderr.filter((l) => /^line \d+: /.test(l))).toHaveLength(20);
    expect(stderr[0]).toBe('line 1: not valid JSON');
    expect(stderr).toContain('… and 980 more bad line(s)');
    expect(stderr.at(-1)).toBe('error: 1000 bad line(s); nothing was sent');
  });

  it('says which lines of a binary file are not UTF-8, at most 20 of them', async () => {
    // Prepare: bytes that are not UTF-8 (a lone continuation byte, a truncated sequence), over 50 lines.
    const line = Buffer.from([0x00, 0x80, 0x41, 0xc3, 0x28, 0x0a]);
    const file = await inputFile(Buffer.concat(Array.from({ length: 50 }, () => line)));

    // Act
    const { code, stderr } = await send(file);

    // Assess
    expect(code).toBe(1);
    expect(stderr[0]).toBe('line 1: not UTF-8 text (a binary file?)');
    expect(stderr.filter((l) => /^line \d+: /.test(l))).toHaveLength(20);
    expect(stderr).toContain('… and 30 more bad line(s)');
    expect(stderr.at(-1)).toBe('error: 50 bad line(s); nothing was sent');
  });

  it('says that nothing was sent and exits non-zero for an empty file or one of blank lines', async () => {
    for (const content of ['', '\n  \r\n\n']) {
      // Prepare
      const file = await inputFile(content);

      // Act
      const { code, stdout, stderr } = await send(file);

      // Assess
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toEqual([`error: ${file} holds no request; nothing was sent`]);
    }
  });

  it('names a missing file instead of printing ENOENT', async () => {
    // Prepare
    const file = join(dir, 'no-such-file.jsonl');

    // Act
    const { code, stderr } = await send(file);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toEqual([`error: ${file}: no such file`]);
  });

  it('names a directory instead of printing EISDIR', async () => {
    // Prepare
    const folder = join(dir, 'a-folder');
    await mkdir(folder);

    // Act
    const { code, stderr } = await send(folder);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toEqual([`error: ${folder} is a directory, not a JSON Lines file`]);
  });
});

describe('provisioner send, given characters above U+FFFF', () => {
  it('queues them on the local stack, and the platform receives them unchanged', async () => {
    // Prepare: an emoji and a CJK Extension B character, each a surrogate pair in UTF-16.
    const company = 'Smile 😀 𠮷野家 Ltd';
    const file = await inputFile(
      `${JSON.stringify({
        schemaVersion: 1,
        requestId: 'astral-1',
        action: 'create',
        platform: 'baijiayun',
        tenantId: 'astral_t',
        expiresAt: '2027-01-31T00:00:00Z',
        profile: { mobile: '13800000777', email: 'astral@example.com', company, contacts: '😀' },
      })}\n`,
    );

    // Act
    const { code, stdout, stderr } = await send(file);

    // Assess: queued, with nothing refused.
    expect(stderr).toEqual([]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Sent 1 of 1 request\(s\)/);

    // Act: let the handler create the account, then read it from the platform.
    const account = await eventually(async () => {
      const output = capture();
      await runCli(['status', '--platform', 'baijiayun', '--tenant', 'astral_t', '--json'], env, output);
      const doc = JSON.parse(output.stdout.join('\n'));
      return doc.account?.state === 'active' ? doc.account : undefined;
    });
    const got = capture();
    const getCode = await runCli(
      ['platform', 'baijiayun', 'get', String(account.subAccountId), '--json'],
      env,
      got,
    );

    // Assess
    expect(getCode).toBe(0);
    expect(JSON.parse(got.stdout.join('\n')).details).toMatchObject({ company, contacts: '😀' });
  });
});
