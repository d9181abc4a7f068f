// Who a request acts for: an account and a role. Until API keys exist (the security issue),
// every request acts as the local operator account with the admin role.
export type Role = 'admin' | 'writer' | 'reader';

export interface Principal {
  accountId: string;
  role: Role;
}

export const LOCAL_ACCOUNT = 'local';

export const localOperator: Principal = { accountId: LOCAL_ACCOUNT, role: 'admin' };
