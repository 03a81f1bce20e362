export { AdminServer } from './admin-server';
export type { AdminAuthenticator, AdminRequest, AdminServerOptions, AdminRoute, AdminReply } from './admin-server';
