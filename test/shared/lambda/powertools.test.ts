import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, logger } from '../../../shared/lambda/powertools.ts';

const lines: string[] = [];

beforeEach(() => {
  lines.length = 0;
  // The Powertools logger writes INFO and DEBUG to stdout, WARN and ERROR to stderr.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createLogger', () => {
  it('masks mobiles and emails in the message, extra keys, persistent keys and errors it writes', () => {
    // Prepare
    const log = createLogger({ serviceName: 'masking-test', logLevel: 'DEBUG' });
    log.appendPersistentKeys({ contact: 'ops-lead@example.com' });
    const error = new Error('baijiayun mobile 13700000001 already belongs to tenant t_1', {
      cause: new Error('duplicate email log1@example.com'),
    });

    // Act
    log.info('Creating 13800000042', { profile: { mobile: '13800000042', email: 'carol@example.com' } });
    log.warn('Request not applied', { detail: 'carol@example.com is taken', error });

    // Assess
    const output = lines.join('');
    for (const plain of [
      '13800000042',
      '13700000001',
      'carol@example.com',
      'log1@example.com',
      'ops-lead@',
    ]) {
      expect(output).not.toContain(plain);
    }
    for (const masked of [
      '138****0042',
      '137****0001',
      'c***@example.com',
      'l***@example.com',
      'o***@example.com',
    ]) {
      expect(output).toContain(masked);
    }
  });

  it('is what the functions log through', () => {
    // Prepare: the tests run with POWERTOOLS_LOG_LEVEL=SILENT.
    const level = logger.getLevelName();
    logger.setLogLevel('INFO');

    // Act
    logger.info('Handled for dave@example.org');
    logger.setLogLevel(level);

    // Assess
    expect(lines.join('')).toContain('d***@example.org');
  });
});
