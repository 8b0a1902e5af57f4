import { expect, it } from 'vitest';
import { accountStateOf, isAssessable } from '../src/context';

it('reads the account state from State, else the retiring Status; a state we do not know is undefined', () => {
  expect(accountStateOf('PENDING_ACTIVATION', 'ACTIVE')).toBe('PENDING_ACTIVATION');
  expect(accountStateOf(undefined, 'SUSPENDED')).toBe('SUSPENDED');
  expect(accountStateOf('HIBERNATING', 'ACTIVE')).toBe('ACTIVE');
  expect(accountStateOf('HIBERNATING', undefined)).toBeUndefined();
  expect(accountStateOf(undefined, undefined)).toBeUndefined();
  expect(isAssessable({ state: 'ACTIVE' })).toBe(true);
  expect(isAssessable({ state: 'PENDING_CLOSURE' })).toBe(false);
});
