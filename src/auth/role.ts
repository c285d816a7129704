/** The three roles of the API, highest first. A higher role can do everything a lower one can. */
export enum Role {
  ADMIN = 'ADMIN',
  OPERATOR = 'OPERATOR',
  VIEWER = 'VIEWER',
}

const RANK: Record<Role, number> = { [Role.VIEWER]: 1, [Role.OPERATOR]: 2, [Role.ADMIN]: 3 };

export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** "admin", "Operator", "VIEWER" → Role; anything else → null. */
export function parseRole(value: unknown): Role | null {
  if (typeof value !== 'string') return null;
  const upper = value.trim().toUpperCase();
  return upper === Role.ADMIN || upper === Role.OPERATOR || upper === Role.VIEWER ? (upper as Role) : null;
}

/** The highest of several roles (a JWT may carry a list), or null when none is a role. */
export function highestRole(values: unknown[]): Role | null {
  let best: Role | null = null;
  for (const value of values) {
    const role = parseRole(value);
    if (role && (!best || RANK[role] > RANK[best])) best = role;
  }
  return best;
}
