import { describe, expect, expectTypeOf, it } from 'vitest';
import { S } from '../../src/index.js';

const Address = S.record('Address', { city: S.string(), zip: S.optional(S.string()) });

const User = S.record('User', {
  id: S.long(),
  name: S.string(),
  nickname: S.optional(S.string()),
  score: S.nullable(S.double()),
  tags: S.array(S.string()),
  counters: S.map(S.long()),
  level: S.enumOf('Level', ['INFO', 'WARN', 'ERROR']),
  address: Address,
  previous: S.array(Address),
  seen: S.timestampMillis(),
});
type User = S.Infer<typeof User>;

interface ExpectedUser {
  id: number;
  name: string;
  nickname?: string | undefined;
  score: number | null;
  tags: string[];
  counters: Record<string, number>;
  level: 'INFO' | 'WARN' | 'ERROR';
  address: { city: string; zip?: string | undefined };
  previous: Array<{ city: string; zip?: string | undefined }>;
  seen: number;
}

const valid: User = {
  id: 1,
  name: 'ada',
  score: null,
  tags: [],
  counters: { logins: 3 },
  level: 'INFO',
  address: { city: 'London' },
  previous: [{ city: 'Paris', zip: '75001' }],
  seen: 0,
};

describe('types: S.Infer', () => {
  it('infers primitives, optional, nullable, array, map, enum and nested records', () => {
    expectTypeOf<User>().toEqualTypeOf<ExpectedUser>();
    expectTypeOf<S.Infer<typeof Address>>().toEqualTypeOf<{ city: string; zip?: string | undefined }>();
    expectTypeOf<S.Infer<ReturnType<typeof S.enumOf<['A', 'B']>>>>().toEqualTypeOf<'A' | 'B'>();
    expectTypeOf<S.Infer<ReturnType<typeof S.bytes>>>().toEqualTypeOf<Buffer>();
    expectTypeOf<S.Infer<ReturnType<typeof S.boolean>>>().toEqualTypeOf<boolean>();
    expect(User.check(valid)).toBeUndefined();
  });

  it('optional fields may be left out; the others may not', () => {
    expectTypeOf<User>().toHaveProperty('nickname');
    const { nickname: _n, ...withoutOptional } = { ...valid, nickname: 'x' };
    expectTypeOf(withoutOptional).toMatchTypeOf<User>();
    const { score: _s, ...withoutNullable } = valid;
    // @ts-expect-error a nullable field is still required
    const missingScore: User = withoutNullable;
    expect(User.check(missingScore)).toMatch(/field score/);
  });

  it('rejects wrong assignments', () => {
    // @ts-expect-error not one of the enum symbols
    const badLevel: User = { ...valid, level: 'DEBUG' };
    // @ts-expect-error id is a number
    const badId: User = { ...valid, id: '1' };
    // @ts-expect-error score is number | null, not undefined
    const badScore: User = { ...valid, score: undefined };
    // @ts-expect-error tags are strings
    const badTags: User = { ...valid, tags: [1] };
    // @ts-expect-error map values are numbers
    const badCounters: User = { ...valid, counters: { logins: 'three' } };
    // @ts-expect-error nested record: city is required
    const badAddress: User = { ...valid, address: { zip: '1' } };
    // @ts-expect-error unknown field
    const extra: User = { ...valid, email: 'a@b' };
    expect(User.check(badLevel)).toMatch(/field level/);
    expect(User.check(badId)).toMatch(/field id/);
    expect(User.check(badScore)).toBe('field score: missing');
    expect(User.check(badTags)).toMatch(/field tags\.0/);
    expect(User.check(badCounters)).toMatch(/field counters\.logins/);
    expect(User.check(badAddress)).toMatch(/field address\.city/);
    expect(extra).toBeDefined();
  });

  it('fromJSON returns the inferred type', () => {
    expectTypeOf(User.fromJSON).returns.toEqualTypeOf<User>();
    expectTypeOf(User.decode).returns.toEqualTypeOf<User>();
    expectTypeOf(User.encode).parameter(0).toEqualTypeOf<User>();
  });
});
