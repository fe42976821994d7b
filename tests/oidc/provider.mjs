// A real OpenID Provider for Klantwijs's single sign-on tests: panva's oidc-provider on
// 127.0.0.1, a free port chosen by the system. The first line on stdout is JSON with the
// issuer; the process runs until it is killed.
//
// What each test controls lives in a JSON file (path in KLANTWIJS_OIDC_STATE), read on every
// request, so a test can change it between logins:
//   clients  the registered clients (client_id, client_secret, redirect_uris,
//            post_logout_redirect_uris); read through the adapter, so redirect URIs can name
//            the port of a test server that started after this process
//   users    login name → { password, sub, claims: { email, email_verified, name, groups } }
//   tamper   optional { aud, azp, exp_offset }: the next ID tokens from /token are re-signed
//            with this provider's own published key after changing those claims (cases only
//            a misbehaving provider produces: a token for another client, an expired token)
//
// The login page is our own minimal one (no devInteractions); consent is given at once.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';

const STATE_FILE = process.env.KLANTWIJS_OIDC_STATE;
if (!STATE_FILE) {
  console.error('KLANTWIJS_OIDC_STATE is not set');
  process.exit(2);
}

function state() {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8'));
}

function userBySub(sub) {
  return Object.values(state().users).find((user) => user.sub === sub);
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>${escape(title)}</title>`
    + '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

async function formBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// Clients come from the state file; everything else is kept in memory.
const memory = createMemoryAdapter();
class ClientsFromState {
  async find(id) {
    const client = state().clients.find((c) => c.client_id === id);
    return client ? { ...client } : undefined;
  }
  async upsert() {}
  async destroy() {}
  async consume() {}
  async findByUid() { return undefined; }
  async findByUserCode() { return undefined; }
  async revokeByGrantId() {}
}
const adapter = (model) => (model === 'Client' ? new ClientsFromState() : memory(model));

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };

const server = createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  adapter,
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['klantwijs-test-only-cookie-key'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
  },
  scopes: ['openid', 'email', 'profile'],
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page(
          'Uitloggen bij Testbedrijf?',
          `${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Ja, uitloggen</button>`,
        );
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Uitgelogd bij Testbedrijf', '<p>Je bent uitgelogd.</p>');
      },
    },
  },
  pkce: { required: () => true },
  async findAccount(_ctx, sub) {
    const user = userBySub(sub);
    if (!user) return undefined;
    return { accountId: sub, async claims() { return { sub, ...user.claims }; } };
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Fout bij Testbedrijf', `<pre>${escape(JSON.stringify(out))}</pre>`);
  },
});

// Our own login page at /interaction/<uid>; consent is granted without asking.
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(ctx.path);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params } = details;
  if (prompt.name === 'login') {
    let problem = '';
    if (ctx.method === 'POST' && match[2]) {
      const form = await formBody(ctx.req);
      const user = state().users[form.get('login') ?? ''];
      if (user && user.password === form.get('password')) {
        return provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: user.sub } }, {
          mergeWithLastSubmission: false,
        });
      }
      problem = '<p role="alert">Onbekende gebruiker of verkeerd wachtwoord.</p>';
    }
    ctx.type = 'html';
    ctx.body = page(
      'Inloggen bij Testbedrijf',
      `${problem}<form method="post" action="/interaction/${details.uid}/login">`
        + '<label>Gebruikersnaam <input name="login" autocomplete="username" required></label>'
        + '<label>Wachtwoord <input name="password" type="password" autocomplete="current-password" required></label>'
        + '<button type="submit">Inloggen bij Testbedrijf</button></form>',
    );
    return undefined;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, {
    mergeWithLastSubmission: true,
  });
});

// A misbehaving provider on request: change claims of the ID token and sign it again with
// the key this provider publishes at its jwks_uri.
provider.use(async (ctx, next) => {
  await next();
  const { tamper } = state();
  if (ctx.path !== '/token' || ctx.status !== 200 || !tamper || !ctx.body?.id_token) return;
  const claims = jose.decodeJwt(ctx.body.id_token);
  if (tamper.aud !== undefined) claims.aud = tamper.aud;
  if (tamper.azp !== undefined) claims.azp = tamper.azp;
  if (tamper.exp_offset !== undefined) {
    const now = Math.floor(Date.now() / 1000);
    claims.exp = now + tamper.exp_offset;
    claims.iat = Math.min(now, claims.exp - 600);
  }
  ctx.body = {
    ...ctx.body,
    id_token: await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid, typ: 'JWT' })
      .sign(privateKey),
  };
});

provider.on('server_error', (_ctx, error) => console.error('server_error', error));
server.on('request', provider.callback());
process.on('SIGTERM', () => server.close(() => process.exit(0)));
console.log(JSON.stringify({ issuer }));
