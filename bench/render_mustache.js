// Renders the exported letter with mustache.js (npm "mustache") for SECONDS and
// prints "renders=N seconds=S" and writes the output to DIR/mustache.js.html.
//   node render_mustache.js DIR SECONDS
const fs = require('fs');
const path = require('path');
const Mustache = require(path.join(__dirname, '.node', 'node_modules', 'mustache'));
const [dir, seconds] = [process.argv[2], Number(process.argv[3] || 2)];
const layout = fs.readFileSync(path.join(dir, 'layout.mustache'), 'utf8');
const partials = JSON.parse(fs.readFileSync(path.join(dir, 'partials.json'), 'utf8'));
const view = JSON.parse(fs.readFileSync(path.join(dir, 'context.json'), 'utf8'));
let out = Mustache.render(layout, view, partials);  // warm-up (parses and caches the templates)
fs.writeFileSync(path.join(dir, 'mustache.js.html'), out);
let n = 0;
const start = process.hrtime.bigint();
const limit = BigInt(Math.round(seconds * 1e9));
while (process.hrtime.bigint() - start < limit) {
  out = Mustache.render(layout, view, partials);
  n++;
}
const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`renders=${n} seconds=${elapsed.toFixed(6)} version=${Mustache.version}`);
