// The get-started wizard: sign in, create an agent, generate a credential (its secret shown
// once, then removed from the page), and a ready-to-run snippet with the real ids.
'use strict';

const wizard = { agentId: null, clientId: null };

function goTo(step) {
  for (let i = 1; i <= 4; i++) {
    document.getElementById('step-' + i).hidden = i !== step;
    const marker = document.querySelector('.steps [data-step="' + i + '"]');
    if (i === step) marker.setAttribute('aria-current', 'step'); else marker.removeAttribute('aria-current');
  }
  if (step === 4) renderSnippet();
  const heading = document.getElementById('step-' + step + '-h');
  heading.setAttribute('tabindex', '-1');
  heading.focus();
}

function slug(name) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'agent';
}

function renderSnippet() {
  const base = document.getElementById('snippet').dataset.base;
  const sdk = document.querySelector('input[name="sdk"]:checked').value;
  const id = wizard.clientId;
  const snippets = {
    curl: 'curl -s -u "' + id + ':$AGENT_SECRET" \\\n  -d grant_type=client_credentials \\\n  ' + base + '/oauth2/token',
    cli: 'sentryagent configure --api-url ' + base + '\n' +
         'SENTRYAGENT_AGENT_SECRET="$AGENT_SECRET" sentryagent issue-token --agent-id ' + id,
    node: "import { ClientCredentialsTokenProvider } from '@sentryagent/agentidp';\n\n" +
          'const tokens = new ClientCredentialsTokenProvider({\n' +
          "  baseUrl: '" + base + "',\n  clientId: '" + id + "',\n  clientSecret: process.env.AGENT_SECRET,\n});\n" +
          'console.log(await tokens.getToken());',
    python: 'import os\n\nfrom agentidp import ClientCredentialsTokenProvider\n\n' +
            'tokens = ClientCredentialsTokenProvider(\n    "' + base + '",\n    "' + id + '",\n' +
            '    os.environ["AGENT_SECRET"],\n)\nprint(tokens.get_token())',
    go: 'package main\n\nimport (\n\t"context"\n\t"fmt"\n\t"log"\n\t"os"\n\n' +
        '\tagentidp "github.com/sentryagent/agentidp/sdks/go"\n)\n\nfunc main() {\n' +
        '\ttokens, err := agentidp.NewClientCredentialsTokenSource(agentidp.TokenSourceConfig{\n' +
        '\t\tBaseURL:  "' + base + '",\n\t\tClientID: "' + id + '",\n\t}, os.Getenv("AGENT_SECRET"))\n' +
        '\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n' +
        '\ttoken, err := tokens.TokenContext(context.Background())\n' +
        '\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n\tfmt.Println(token)\n}',
    java: 'import ai.sentryagent.agentidp.CachingTokenProvider.Options;\n' +
          'import ai.sentryagent.agentidp.ClientCredentialsTokenProvider;\n\n' +
          'public class Token {\n  public static void main(String[] args) {\n' +
          '    var tokens = new ClientCredentialsTokenProvider(\n' +
          '        Options.of("' + base + '", "' + id + '"), System.getenv("AGENT_SECRET"));\n' +
          '    System.out.println(tokens.getToken());\n  }\n}',
    rust: 'let tokens = sentryagent_sdk::TokenProvider::new(\n    "' + base + '",\n    "' + id + '",\n' +
          '    std::env::var("AGENT_SECRET")?,\n    Default::default(),\n)?;\n' +
          'let token = tokens.token().await?;\nprintln!("{}", token.secret());',
  };
  const hows = {
    node: 'after npm install --install-links ./sdks/node (from a checkout of the repository), save this as token.mjs and run node token.mjs:',
    python: 'after pip install ./sdks/python (from a checkout of the repository), save this as get_token.py and run python get_token.py (not token.py, which would hide the token module of the standard library):',
    go: 'require github.com/sentryagent/agentidp/sdks/go in your go.mod (see sdks/go/README.md), save this as main.go and run go run .:',
    java: 'after mvn install in sdks/java and adding ai.sentryagent:agentidp-sdk to your build, save this as Token.java and run it:',
    rust: 'add sentryagent-sdk to your Cargo.toml and call:',
  };
  document.getElementById('snippet-how').textContent = hows[sdk] || 'run:';
  document.getElementById('snippet').textContent = snippets[sdk];
}

document.addEventListener('DOMContentLoaded', () => {
  if (Session.get()) goTo(2);

  document.getElementById('sign-in').addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError('sign-in-error');
    const id = document.getElementById('client-id').value.trim();
    const secret = document.getElementById('client-secret');
    if (!id || !secret.value) {
      showError('sign-in-error', new Error('enter the client ID and the client secret.'));
      return;
    }
    try {
      await busy(event.submitter, () => Session.signIn(id, secret.value.trim()));
      secret.value = '';
      updateSignOut();
      goTo(2);
    } catch (error) {
      showError('sign-in-error', error);
    }
  });

  let signedUp = null;
  document.getElementById('sign-up').addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError('sign-up-error');
    const name = document.getElementById('tenant-name').value.trim();
    if (!/^[a-z0-9-]{3,63}$/.test(name)) {
      showError('sign-up-error', new Error('use 3 to 63 characters of a-z, 0-9 and -.'));
      return;
    }
    try {
      const tenant = await busy(event.submitter, async () => (await send('/v1/tenants', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }),
      })).json());
      signedUp = tenant.admin;
      document.getElementById('admin-client-id').textContent = signedUp.clientId;
      document.getElementById('admin-secret').textContent = signedUp.clientSecret;
      document.getElementById('sign-up').hidden = true;
      document.getElementById('signed-up').hidden = false;
    } catch (error) {
      showError('sign-up-error', error);
    }
  });

  document.getElementById('signed-up-continue').addEventListener('click', async (event) => {
    try {
      await busy(event.target, () => Session.signIn(signedUp.clientId, signedUp.clientSecret));
      // The secret leaves memory and the page once it has been used to sign in.
      signedUp = null;
      document.getElementById('admin-secret').textContent = '';
      document.getElementById('signed-up').hidden = true;
      updateSignOut();
      goTo(2);
    } catch (error) {
      showError('sign-up-error', error);
    }
  });

  document.getElementById('agent-name').addEventListener('input', (event) => {
    const email = document.getElementById('agent-email');
    if (!email.dataset.touched) email.value = slug(event.target.value) + '@agents.example.com';
  });
  document.getElementById('agent-email').addEventListener('input', (event) => {
    event.target.dataset.touched = 'yes';
  });

  document.getElementById('create-agent').addEventListener('submit', async (event) => {
    event.preventDefault();
    hideError('create-agent-error');
    const name = document.getElementById('agent-name').value.trim();
    const email = document.getElementById('agent-email').value.trim();
    if (!name || !email) {
      showError('create-agent-error', new Error('a name and an e-mail are required.'));
      return;
    }
    const body = {
      name, email, agentType: 'custom', version: '0.1.0', owner: Session.get()?.clientId || 'portal',
      deploymentEnv: document.getElementById('agent-env').value,
      allowedScopes: document.getElementById('agent-scopes').value.split(/\s+/).filter(Boolean),
    };
    try {
      const agent = await busy(event.submitter, () => api('POST', '/v1/agents', body));
      wizard.agentId = agent.agentId;
      document.getElementById('agent-id').textContent = agent.agentId;
      document.getElementById('create-agent').hidden = true;
      document.getElementById('agent-created').hidden = false;
    } catch (error) {
      showError('create-agent-error', error);
    }
  });

  document.getElementById('generate-credential').addEventListener('click', async (event) => {
    hideError('credential-error');
    try {
      const credential = await busy(event.target, () => api('POST', '/v1/agents/' + wizard.agentId + '/credentials'));
      wizard.clientId = credential.clientId;
      document.getElementById('credential-client-id').textContent = credential.clientId;
      document.getElementById('credential-secret').textContent = credential.clientSecret;
      document.getElementById('credential-created').hidden = false;
      event.target.hidden = true;
    } catch (error) {
      showError('credential-error', error);
    }
  });

  document.addEventListener('click', (event) => {
    const next = event.target.closest('[data-next]');
    if (!next) return;
    // The secret leaves the page once the user moves on: it is never shown twice.
    document.getElementById('credential-secret').textContent = '';
    goTo(Number(next.dataset.next));
  });

  for (const radio of document.querySelectorAll('input[name="sdk"]')) radio.addEventListener('change', renderSnippet);
});
