// Who a request acts for: an account and a role, from the API key it presented. The same
// shape stands for the command-line tools (which act for the operator account) and, with
// no role, for a request without a key (it may only load the landing page or introspect).
export type Role = 'admin' | 'writer' | 'reader';

export const ROLES: readonly Role[] = ['reader', 'writer', 'admin'];

/** reader < writer < admin: each role may do what the ones before it may. */
export const ROLE_RANK: Record<Role, number> = { reader: 0, writer: 1, admin: 2 };

export interface Principal {
  accountId: string;
  /** null: no key was presented. */
  role: Role | null;
  /** The API key's id, or null (no key, or a command-line tool). */
  keyId: string | null;
  /** Readable: the key's name, or the tool's. */
  name: string;
  /** An admin of the operator account may change the shared catalog. */
  operator: boolean;
  /** Where the request came from, for the audit trail. */
  address?: string | null;
  agent?: string | null;
}

/** The account that operates the gateway (its admins own the shared catalog). */
export const LOCAL_ACCOUNT = 'local';

export const anonymous: Principal = { accountId: '', role: null, keyId: null, name: 'anonymous', operator: false };

/** What command-line tools act as. */
export function toolPrincipal(tool: string, operatorAccount = LOCAL_ACCOUNT): Principal {
  return { accountId: operatorAccount, role: 'admin', keyId: null, name: tool, operator: true };
}

export function hasRole(principal: Principal, role: Role): boolean {
  return principal.role !== null && ROLE_RANK[principal.role] >= ROLE_RANK[role];
}
