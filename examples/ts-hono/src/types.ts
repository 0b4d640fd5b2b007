export interface Bindings {
  SITE: string;
}

export interface User {
  id: number;
  name: string;
  roles: readonly Role[];
}

export enum Role {
  Admin = 'admin',
  Reader = 'reader',
}
