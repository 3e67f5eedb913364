/**
 * The dashboard's browser script, served as it is (plain ES2020, no framework, no build step).
 * It reads the flags document from `/_dashboard/flags.json` and the file's warnings from
 * `/_dashboard/warnings.json`, evaluates every environment through
 * the server's own bulk route (`POST …/evaluate`), toggles through the admin route
 * (`PATCH …/flags/{key}`), and refreshes on every event of `/_dashboard/events`.
 */
export const DASHBOARD_SCRIPT = String.raw`const state = { doc: null, context: { user_id: '', attributes: {} }, results: new Map() };
const byId = (id) => document.getElementById(id);

function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'checked' || name === 'disabled') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) el.append(child);
  return el;
}

const quote = (values) => values.map((v) => JSON.stringify(v)).join(', ');
const OPERATORS = {
  eq: (a, v) => a + ' is ' + quote(v), neq: (a, v) => a + ' is not ' + quote(v),
  contains: (a, v) => a + ' contains ' + quote(v), starts_with: (a, v) => a + ' starts with ' + quote(v),
  ends_with: (a, v) => a + ' ends with ' + quote(v), in: (a, v) => a + ' is one of ' + quote(v),
  not_in: (a, v) => a + ' is none of ' + quote(v), in_segment: (a, v) => 'user is in segment ' + v[0],
  not_in_segment: (a, v) => 'user is not in segment ' + v[0], gt: (a, v) => a + ' > ' + v[0],
  gte: (a, v) => a + ' ≥ ' + v[0], lt: (a, v) => a + ' < ' + v[0], lte: (a, v) => a + ' ≤ ' + v[0],
  regex: (a, v) => a + ' matches /' + v[0] + '/', semver_eq: (a, v) => a + ' is version ' + v[0],
  semver_gt: (a, v) => a + ' is a version after ' + v[0], semver_lt: (a, v) => a + ' is a version before ' + v[0],
};

/** One rule in plain words: "If plan is "pro" → true", "Everyone → 20% a, 80% b". */
function describeRule(rule) {
  const conditions = (rule.conditions || []).map((c) => (OPERATORS[c.operator] || ((a) => a + ' ' + c.operator))(c.attribute, c.values));
  const who = conditions.length === 0 ? 'Everyone' : 'If ' + conditions.join(' and ');
  const serves = rule.rollout ? rule.rollout.map((r) => r.weight + '% ' + r.variant).join(', ') : rule.variant;
  return (rule.name ? rule.name + ': ' : '') + who + ' → ' + serves + (rule.enabled === false ? ' (rule off)' : '');
}

function tokenFor(env) {
  return (env.apiKeys && env.apiKeys[0]) || state.doc.adminKey;
}

function envPath(project, env) {
  return '/api/v1/projects/' + encodeURIComponent(project) + '/environments/' + encodeURIComponent(env);
}

async function evaluate(project, env) {
  const token = tokenFor(env);
  if (!token) return;
  const res = await fetch(envPath(project.slug, env.slug) + '/evaluate', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ context: state.context }),
  });
  if (!res.ok) throw new Error('evaluation in ' + project.slug + '/' + env.slug + ' failed (HTTP ' + res.status + ')');
  for (const flag of (await res.json()).flags) state.results.set(project.slug + '/' + env.slug + '/' + flag.key, flag);
}

async function toggle(project, env, key, input) {
  input.setAttribute('aria-busy', 'true');
  try {
    const res = await fetch(envPath(project, env) + '/flags/' + encodeURIComponent(key), {
      method: 'PATCH',
      headers: { Authorization: 'Bearer ' + state.doc.adminKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ enabled: input.checked }),
    });
    if (!res.ok) throw new Error('switching ' + key + ' failed (HTTP ' + res.status + ')');
  } catch (error) {
    input.checked = !input.checked;
    byId('message').textContent = error.message;
  } finally {
    input.removeAttribute('aria-busy');
  }
}

function flagRow(project, env, flag) {
  const setting = (flag.environments || {})[env.slug];
  const on = Boolean(setting && setting.enabled);
  const id = 'switch-' + project.slug + '-' + env.slug + '-' + flag.key;
  const result = state.results.get(project.slug + '/' + env.slug + '/' + flag.key);
  const rules = ((setting && setting.rules) || []).slice().sort((a, b) => a.priority - b.priority);
  return h('tr', { 'data-flag': flag.key, 'data-env': env.slug, 'data-project': project.slug },
    h('td', { class: 'flag' }, h('code', {}, flag.key), flag.description && h('p', {}, flag.description)),
    h('td', {}, flag.type),
    h('td', {},
      h('input', { type: 'checkbox', role: 'switch', id, checked: on, disabled: !state.doc.adminKey,
        'aria-label': flag.key + ' in ' + env.slug, title: state.doc.adminKey ? null : 'add an adminKey to the flags file to switch flags here',
        onchange: (event) => toggle(project.slug, env.slug, flag.key, event.target) }),
      h('span', { class: 'state', 'aria-hidden': 'true' }, on ? 'on' : 'off')),
    h('td', {}, h('code', {}, flag.defaultVariant)),
    h('td', {}, !on ? 'Off: everyone gets the default' :
      rules.length === 0 ? 'No rules: everyone gets the default' :
      h('ul', { class: 'rules' }, rules.map((rule) => h('li', {}, describeRule(rule))), h('li', {}, 'Otherwise → ' + flag.defaultVariant))),
    h('td', { class: 'variant' }, result ? h('code', {}, result.value_key) : '–'),
    h('td', { class: 'reason' }, result ? result.reason : '–'));
}

function describeContext() {
  const attributes = Object.entries(state.context.attributes).map(([k, v]) => k + '=' + v);
  return (state.context.user_id ? 'user ' + state.context.user_id : 'an anonymous user') + (attributes.length ? ' (' + attributes.join(', ') + ')' : '');
}

function render() {
  const focused = document.activeElement && document.activeElement.id;
  const who = describeContext();
  const sections = state.doc.projects.map((project) =>
    h('section', { 'aria-labelledby': 'project-' + project.slug },
      h('h2', { id: 'project-' + project.slug }, 'Project ' + project.slug),
      project.environments.map((env) =>
        h('table', { 'data-env': env.slug },
          h('caption', {}, env.slug + (tokenFor(env) ? '' : ' (no API key: not evaluated)')),
          h('thead', {}, h('tr', {}, ['Flag', 'Type', 'State', 'Default', 'Rules', 'Variant for ' + who, 'Reason'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, (project.flags || []).map((flag) => flagRow(project, env, flag)))))));
  byId('projects').replaceChildren(...sections);
  if (focused && byId(focused)) byId(focused).focus();
}

/** The file's state above the flags: why it is not served (while missing or invalid), and its last load's warnings. */
function showFileState({ warnings, fileProblem }) {
  byId('file-problem').textContent = fileProblem ? 'The flags file is not valid, so the last good flags are served: ' + fileProblem : '';
  const section = byId('warnings');
  section.querySelector('ul').replaceChildren(...warnings.map((line) => h('li', {}, line)));
  section.hidden = warnings.length === 0;
}

let running = null;
let again = false;
/** Re-read the document and every evaluation; calls during a refresh coalesce into one more. */
async function refresh() {
  if (running) { again = true; return running; }
  running = (async () => {
    do {
      again = false;
      try {
        const [res, warned] = await Promise.all([fetch('/_dashboard/flags.json'), fetch('/_dashboard/warnings.json')]);
        if (!res.ok) throw new Error('reading the flags failed (HTTP ' + res.status + ')');
        if (!warned.ok) throw new Error('reading the warnings failed (HTTP ' + warned.status + ')');
        state.doc = await res.json();
        showFileState(await warned.json());
        state.results = new Map();
        await Promise.all(state.doc.projects.flatMap((p) => p.environments.map((e) => evaluate(p, e))));
        byId('message').textContent = '';
      } catch (error) {
        byId('message').textContent = error.message;
      }
      if (state.doc) render();
    } while (again);
    running = null;
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
  })();
  return running;
}

byId('evaluate-as').addEventListener('submit', (event) => {
  event.preventDefault();
  const attributes = {};
  for (const pair of byId('attributes').value.split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.indexOf('=');
    if (at <= 0) {
      byId('message').textContent = 'Attributes are name=value pairs separated by commas; "' + pair.trim() + '" is not one. Nothing was changed.';
      return;
    }
    attributes[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  state.context = { user_id: byId('user-id').value.trim(), attributes };
  refresh();
});

const live = byId('live');
const events = new EventSource('/_dashboard/events');
events.onopen = () => { live.textContent = 'live'; live.className = 'ok'; refresh(); };
events.onerror = () => { live.textContent = 'reconnecting…'; live.className = ''; };
events.onmessage = () => refresh();
refresh();
`;
