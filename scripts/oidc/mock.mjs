// The OAuth2/OIDC provider of the tests: oauth2-mock-server with users whose claims the
// tests choose (services.md §5). `login_hint` on /authorize picks the user; the issuer is
// pinned to 127.0.0.1 and the port comes from OIDC_PORT.
import { OAuth2Server, Events } from 'oauth2-mock-server';

const host = '127.0.0.1';
const port = Number(process.env.OIDC_PORT ?? 8089);
const users = {
  alice: { sub: 'alice', preferred_username: 'alice', name: 'Alice Example',
           email: 'alice@example.org', email_verified: true, groups: ['admins', 'developers'] },
  bob: { sub: 'bob', preferred_username: 'bob', name: 'Bob Example',
         email: 'bob@example.org', email_verified: true, groups: ['developers'] },
};
const defaultLogin = () => Object.keys(users)[0];
const codeToLogin = new Map();
const tokenToLogin = new Map();
const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
const service = server.service;
service.on(Events.BeforeAuthorizeRedirect, (redirect, req) => {
  const code = redirect.url.searchParams.get('code');
  const login = req.query?.login_hint ?? defaultLogin();
  if (code) codeToLogin.set(code, users[login] ? login : defaultLogin());
});
service.on(Events.BeforeTokenSigning, (token, req) => {
  const body = req.body ?? {};
  if (body.grant_type !== 'authorization_code') return;
  Object.assign(token.payload, users[codeToLogin.get(body.code) ?? defaultLogin()]);
});
service.on(Events.BeforeResponse, (response, req) => {
  const body = req.body ?? {};
  if (response.body?.access_token && body.code) {
    tokenToLogin.set(response.body.access_token, codeToLogin.get(body.code) ?? defaultLogin());
    codeToLogin.delete(body.code);
  }
});
service.on(Events.BeforeUserinfo, (response, req) => {
  const authorization = req.headers.authorization ?? '';
  const login = tokenToLogin.get(authorization.startsWith('Bearer ') ? authorization.slice(7) : '');
  if (!login) {
    response.statusCode = 401;
    response.body = { error: 'invalid_token' };
    return;
  }
  response.body = { ...users[login] };
});
server.issuer.url = `http://${host}:${port}`;
await server.start(port, host);
console.log(`oidc mock issuer ${server.issuer.url}`);
const stop = async () => { await server.stop(); process.exit(0); };
process.on('SIGTERM', stop);
// A key rotation, as a provider does it: a new signing key joins the JWKS (tokens are then
// signed by the keys in turn).
process.on('SIGUSR2', async () => {
  const jwk = await server.issuer.keys.generate('RS256');
  console.log(`oidc mock rotated its keys: ${jwk.kid}`);
});
process.on('SIGINT', stop);
