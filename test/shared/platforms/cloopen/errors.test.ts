import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../../shared/domain/errors.ts';
import {
  CloopenError,
  cloopenCategory,
  cloopenVendorError,
  isSubAccountMissing,
} from '../../../../shared/platforms/cloopen/errors.ts';
import { PlatformError } from '../../../../shared/ports/errors.ts';

describe('Cloopen statusCode mapping', () => {
  it.each([
    ['111111', 'rate-limited', 'retryable'],
    ['111000', 'server', 'retryable'],
    ['111050', 'server', 'retryable'],
    ['111099', 'server', 'retryable'],
    ['111106', 'authentication', 'permanent'],
    ['111109', 'authentication', 'permanent'],
    ['111113', 'authentication', 'permanent'],
    ['111138', 'account-state', 'permanent'],
    ['111139', 'account-state', 'permanent'],
    ['111140', 'account-state', 'permanent'],
    ['111141', 'account-state', 'permanent'],
    ['111142', 'account-state', 'permanent'],
    ['111150', 'conflict', 'permanent'],
    ['111176', 'account-state', 'permanent'],
    ['111180', 'account-state', 'permanent'],
    ['111181', 'account-state', 'permanent'],
    ['111179', 'account-state', 'permanent'],
    ['111182', 'account-state', 'permanent'],
    ['111100', 'unknown', 'permanent'],
    ['111183', 'unknown', 'permanent'],
    ['999999', 'unknown', 'permanent'],
    ['abc', 'unknown', 'permanent'],
  ])('maps %s to %s (%s)', (code, category, failureClass) => {
    // Act
    const error = cloopenVendorError('GetSubAccounts', code, 'msg', false);

    // Assess
    expect(cloopenCategory(code)).toBe(category);
    expect(error.category).toBe(category);
    expect(classifyFailure(error)).toBe(failureClass);
  });

  it('reads an undocumented code whose text says the sub-account does not exist as not-found', () => {
    // Act & Assess
    expect(cloopenCategory('111143', '【账号】子账户不存在')).toBe('not-found');
    expect(cloopenCategory('111143', '子帐号不存在')).toBe('not-found');
    expect(isSubAccountMissing('111143', '【账号】子账户不存在')).toBe(true);
    expect(cloopenCategory('111143', '【账号】其他错误')).toBe('unknown');
  });

  it('reads 111156 "sub-account closed" as closed, a permanent failure', () => {
    // Act
    const error = cloopenVendorError('CloseSubAccount', '111156', '【账号】子账户已关闭', true);

    // Assess
    expect(error).toMatchObject({ category: 'closed', code: '111156', outcomeUnknown: false });
    expect(classifyFailure(error)).toBe('permanent');
    expect(isSubAccountMissing('111156', '【账号】子账户已关闭')).toBe(false);
  });

  it('reads another code whose text says the sub-account is closed as closed, since 111156 is inferred', () => {
    // Act & Assess
    expect(cloopenCategory('111157', '【账号】子账户已关闭')).toBe('closed');
    expect(cloopenCategory('111157', '子帐号已关闭')).toBe('closed');
    expect(cloopenCategory('111157', 'sub-account is closed')).toBe('closed');
  });

  it('never reads a failed close as a closed sub-account', () => {
    // Act & Assess
    expect(cloopenCategory('111157', '【账号】子账户关闭失败')).toBe('unknown');
    expect(cloopenCategory('111157', 'sub-account could not be closed')).toBe('unknown');
  });

  it('never reads a closed app or main account as a closed sub-account', () => {
    // Act & Assess
    expect(cloopenCategory('111140', '【账号】主账户已关闭')).toBe('account-state');
    expect(cloopenCategory('111157', '【账号】主账户已关闭')).toBe('unknown');
    expect(cloopenCategory('111157', '【应用】应用已关闭')).toBe('unknown');
  });

  it('never reads a missing app or main account as a missing sub-account', () => {
    // Act & Assess
    expect(isSubAccountMissing('111181', '【应用】应用不存在')).toBe(false);
    expect(isSubAccountMissing('111181', '【账号】子账户不存在')).toBe(false);
    expect(cloopenCategory('111181', '【账号】子账户不存在')).toBe('account-state');
    expect(isSubAccountMissing('111141', '【账号】主账户不存在')).toBe(false);
  });

  it('keeps the vendor code and message and marks internal errors on mutations as outcome unknown', () => {
    // Act
    const onCreate = cloopenVendorError('SubAccounts', '111001', '内部错误', true);
    const onRead = cloopenVendorError('AccountInfo', '111001', '内部错误', false);
    const rateLimited = cloopenVendorError('SubAccounts', '111111', '并发', true);

    // Assess
    expect(onCreate).toBeInstanceOf(CloopenError);
    expect(onCreate).toBeInstanceOf(PlatformError);
    expect(onCreate).toMatchObject({
      platform: 'cloopen',
      code: '111001',
      vendorMessage: '内部错误',
      operation: 'SubAccounts',
      outcomeUnknown: true,
      name: 'CloopenError',
    });
    expect(onRead.outcomeUnknown).toBe(false);
    expect(rateLimited.outcomeUnknown).toBe(false);
  });
});
