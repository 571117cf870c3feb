// Dredd hooks of bench/run.sh: make Dredd's transactions over conform's
// exported OpenAPI (Agora Chat) do the same work as conform's cases, so the
// time per transaction can be compared with conform's time per case.
//
// - The document's example values are placeholders ("XXXX", "6XXXX7",
//   owner "testuser"): they are mapped onto the target (groups created here
//   in beforeAll, the mock's users conform-owner / conform-user-N).
// - Each documented error status is provoked by the condition the spec's
//   error table gives for it (no credential -> 401, an id that does not
//   exist -> 404, a members list over maxusers -> 403, ...).  A status with
//   no condition the target can produce is skipped with the reason, never
//   counted as passing.
// - A response is judged as conform judges it: status code and the
//   documented response schema (Dredd would otherwise demand every key of
//   the document's example body, which is not a documented statement).
//
// Environment: BENCH_TARGET (base URL with the app path), BENCH_TOKEN.
const hooks = require('hooks');
const fs = require('fs');

const target = process.env.BENCH_TARGET;
const auth = 'Bearer ' + process.env.BENCH_TOKEN;
const missingId = '999999999999999'; // well-formed, never allocated
const owner = 'conform-owner';
const groups = {};   // role -> group id, created in beforeAll
const created = [];  // every group id to delete in afterAll

async function call(method, path, body) {
  const res = await fetch(target + path, {
    method,
    headers: {Authorization: auth, 'Content-Type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {status: res.status, json: await res.json()};
}

async function makeGroup(role, members) {
  const r = await call('POST', '/chatgroups',
                       {groupname: 'bench-' + role, public: false, owner, members, maxusers: 200});
  if (r.status !== 200 || !r.json.data || !r.json.data.groupid)
    throw new Error('cannot create fixture group ' + role + ': HTTP ' + r.status);
  groups[role] = r.json.data.groupid;
  created.push(r.json.data.groupid);
}

// Strips the x-* extensions: what is left is plain JSON Schema.
function plainSchema(s) {
  if (Array.isArray(s)) return s.map(plainSchema);
  if (s === null || typeof s !== 'object') return s;
  const out = {};
  for (const [k, v] of Object.entries(s)) {
    if (!k.startsWith('x-')) out[k] = plainSchema(v);
  }
  return out;
}

const schemas = {}; // "METHOD path status" -> response schema
hooks.beforeAll((transactions, done) => {
  (async () => {
    const doc = JSON.parse(fs.readFileSync(transactions[0].origin.filename, 'utf8'));
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, res] of Object.entries(op.responses || {})) {
          const media = (res.content || {})['application/json'];
          if (media && media.schema)
            schemas[method.toUpperCase() + ' ' + path + ' ' + status] = plainSchema(media.schema);
        }
      }
    }
    // Three groups at least, so a list of limit=2 has a next page (cursor).
    await makeGroup('main', ['conform-user-1']);
    await makeGroup('toggle', ['conform-user-1']);
    await makeGroup('delete', []);
    await makeGroup('other', []);
  })().then(() => done(), (e) => { hooks.log('bench hooks: ' + e.message); done(); });
});

hooks.afterAll((transactions, done) => {
  (async () => {
    for (const id of created) await call('DELETE', '/chatgroups/' + id);
  })().then(() => done(), () => done());
});

// Request bodies: the document's examples with their placeholders mapped.
const bodies = {
  'POST /chatgroups': {groupname: 'testgroup', avatar: 'https://www.XXXX.com/XXX/image',
                       description: 'test', public: true, maxusers: 300, owner,
                       members: ['conform-user-2']},
  'PUT /chatgroups/{group_id}': {groupname: 'test groupname',
                                 avatar: 'https://www.XXXX.com/XXX/image',
                                 description: 'updategroupinfo12311', maxusers: 1500,
                                 membersonly: true, allowinvites: false,
                                 invite_need_confirm: true, custom: 'abc', public: true},
  'POST /chatgroups/{group_id}/users': {usernames: ['conform-user-3']},
};

// Which fixture group each successful call acts on.
const roleOf = {
  'POST /chatgroups/{group_id}/disable': 'toggle',
  'POST /chatgroups/{group_id}/enable': 'toggle',
  'DELETE /chatgroups/{group_id}': 'delete',
};

// Statuses the spec documents but the target has no way to produce.
const noCondition = {
  'GET /chatgroups 404': 'the list has no group id to miss (its 404 row names none)',
  'PUT /chatgroups/{group_id} 403': 'content moderation of group names is not simulated',
};

function fill(template, id) {
  return template.replace('{group_id}', id).replace('{username}',
    template.includes('is_joined') ? 'conform-user-1' : owner);
}

hooks.beforeEach((transaction) => {
  const parts = transaction.name.split(' > ');
  const prefix = new URL(target).pathname;
  const path = parts[0].startsWith(prefix) ? parts[0].slice(prefix.length) : parts[0];
  const method = transaction.request.method;
  const status = String(transaction.expected.statusCode);
  const key = method + ' ' + path;
  if (noCondition[key + ' ' + status]) {
    transaction.skip = true;
    hooks.log('bench hooks: skip ' + key + ' ' + status + ': ' + noCondition[key + ' ' + status]);
    return;
  }
  const query = transaction.fullPath.includes('?')
    ? transaction.fullPath.slice(transaction.fullPath.indexOf('?')) : '';
  let body = bodies[key] ? JSON.parse(JSON.stringify(bodies[key])) : undefined;
  let id = groups[roleOf[key] || 'main'];
  if (status === '401') {
    delete transaction.request.headers.Authorization;
  } else if (status === '404') {
    id = missingId;
    if (key === 'POST /chatgroups') body.owner = 'conform-nobody'; // owner is not a user
  } else if (status === '400') {
    if (key === 'POST /chatgroups') delete body.public; // required field absent
    else body = {groupid: 'x'}; // a field outside the modifiable set
  } else if (status === '403') {
    if (key === 'POST /chatgroups') {
      body.maxusers = 2; // members over capacity
      body.members = ['conform-user-4', 'conform-user-5', 'conform-user-6'];
    } else {
      body = {usernames: ['conform-user-1']}; // already a member
    }
  }
  transaction.fullPath = prefix + fill(path, id) + query;
  transaction.request.uri = transaction.fullPath;
  if (body !== undefined) {
    transaction.request.body = JSON.stringify(body);
    transaction.request.headers['Content-Type'] = 'application/json';
  }
  // Judge as conform does: the status and the documented schema.
  // (Error rows document no body in the OpenAPI: those are judged by the
  // status alone.)
  const schema = schemas[method + ' ' + parts[0] + ' ' + status];
  if (schema) {
    transaction.expected.body = undefined;
    transaction.expected.bodySchema = schema;
  }
});

hooks.after('/app-id/conform-demo-app/chatgroups > create a group with its settings, owner and ' +
            'first members > 200 > application/json', (transaction) => {
  try {
    created.push(JSON.parse(transaction.real.body).data.groupid);
  } catch (e) {
    // nothing was created
  }
});
