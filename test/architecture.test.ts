import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Repository-relative path with forward slashes, whatever the host's separator. */
function repoPath(absolute: string): string {
  return relative(ROOT, absolute).split(sep).join('/');
}

function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** Every .ts file under a folder of the repository, recursively, as repository-relative paths. */
function tsFilesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `${folder}/${name.split(sep).join('/')}`)
    .sort();
}

/** The .ts files git tracks (a tracked file deleted in the working tree is left out). */
function trackedTsFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z', '--', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((path) => path !== '' && existsSync(join(ROOT, path)));
}

// A `/` after one of these (or at the start) opens a regular expression, not a division.
const BEFORE_REGEX = new Set([...'(,=:[!&|?{};+-*%<>~^']);
const KEYWORDS_BEFORE_REGEX =
  /\b(?:return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/;

/**
 * The source with its comments (`//`, `/* … *\/`, TSDoc) blanked out. Strings, template literals and
 * regular expressions are kept as they are, so a `//` inside a URL is not taken for a comment. Newlines
 * stay where they were, so line numbers still point at the source.
 */
function withoutComments(source: string): string {
  let out = '';
  let i = 0;
  // One entry per open `${`: the brace depth at which its expression ends and the template resumes.
  const templates: number[] = [];
  let depth = 0;
  const blank = (text: string) => text.replace(/[^\n]/g, ' ');

  const scanTemplate = () => {
    // From just after a backtick or the `}` ending a `${…}`: up to the closing backtick or the next `${`.
    while (i < source.length) {
      const c = source[i];
      if (c === '\\') {
        out += source.slice(i, i + 2);
        i += 2;
      } else if (c === '`') {
        out += c;
        i += 1;
        return;
      } else if (c === '$' && source[i + 1] === '{') {
        out += '${';
        i += 2;
        templates.push(depth);
        depth += 1;
        return;
      } else {
        out += c;
        i += 1;
      }
    }
  };

  while (i < source.length) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else if (c === '`') {
      out += c;
      i += 1;
      scanTemplate();
    } else if (c === '{') {
      depth += 1;
      out += c;
      i += 1;
    } else if (c === '}') {
      depth -= 1;
      out += c;
      i += 1;
      if (templates.length > 0 && templates[templates.length - 1] === depth) {
        templates.pop();
        scanTemplate();
      }
    } else if (c === '/' && opensRegex(out)) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n') {
        const r = source[j];
        if (r === '\\') j += 1;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        j += 1;
      }
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function opensRegex(before: string): boolean {
  const trimmed = before.trimEnd();
  const last = trimmed[trimmed.length - 1];
  return last === undefined || BEFORE_REGEX.has(last) || KEYWORDS_BEFORE_REGEX.test(trimmed);
}

/** The module specifiers a file names: `import … from`, `export … from`, `import '…'` and `import('…')`. */
function importSpecifiers(code: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1] as string));
}

describe('architecture', () => {
  it('domain and ports import no platform folder', () => {
    // Prepare: the platform folders, the registry that names them, and the simulators.
    const forbidden = ['shared/platforms/', 'simulators/'];
    const files = [...tsFilesUnder('shared/domain'), ...tsFilesUnder('shared/ports')];

    // Act
    const offenders = files.flatMap((file) =>
      importSpecifiers(withoutComments(read(file)))
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) => ({ specifier, target: repoPath(resolve(ROOT, dirname(file), specifier)) }))
        .filter(({ target }) => forbidden.some((folder) => target.startsWith(folder)))
        .map(({ specifier }) => `${file} imports ${specifier}`),
    );

    // Assess
    expect(files.length).toBeGreaterThan(0);
    expect(offenders, `domain or ports import a platform:\n${offenders.join('\n')}`).toEqual([]);
  });

  it('outside the platform folders at most the registry names a platform in code', () => {
    // Prepare: the vendors are the folders of shared/platforms/; comments may name them, code may not.
    const vendors = readdirSync(join(ROOT, 'shared/platforms'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const exempt = [
      ...vendors.map((vendor) => `shared/platforms/${vendor}/`),
      'simulators/',
      'test/',
      'bench/',
      'examples/',
    ];
    const allowed = new Set(['shared/platforms/registry.ts']);
    const vendorName = new RegExp(vendors.join('|'), 'i');
    const files = trackedTsFiles().filter((file) => !exempt.some((folder) => file.startsWith(folder)));

    // Act
    const offenders = files
      .filter((file) => !allowed.has(file))
      .flatMap((file) =>
        withoutComments(read(file))
          .split('\n')
          .flatMap((line, index) => (vendorName.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [])),
      );

    // Assess
    expect(vendors.length).toBeGreaterThan(0);
    expect(
      offenders,
      `platform names in code outside the platform folders:\n${offenders.join('\n')}`,
    ).toEqual([]);
  });

  it('every function file is at most 40 lines', () => {
    // Prepare
    const files = readdirSync(join(ROOT, 'functions'))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => `functions/${name}`);

    // Act
    const tooLong = files
      .map((file) => ({ file, lines: read(file).replace(/\n$/, '').split('\n').length }))
      .filter(({ lines }) => lines > 40)
      .map(({ file, lines }) => `${file}: ${lines} lines`);

    // Assess
    expect(files.length).toBeGreaterThan(0);
    expect(tooLong, `function files over 40 lines:\n${tooLong.join('\n')}`).toEqual([]);
  });
});
