// Rebuilds ../communes.tsv from the npm package @etalab/decoupage-administratif (MIT; data from
// INSEE's COG and La Poste's postcode base, both open data).
// usage: node build_communes.js PATH/TO/package/data > ../communes.tsv
// Per département: every commune of 30,000+ inhabitants, every municipal arrondissement (Paris, Lyon, Marseille,
// arrondissement, whose COG codes are the birthplace codes of the NIR), the chef-lieu, the four
// largest communes and three small communes (200-5,000 inhabitants, evenly spaced by code) that
// carry the weight of the rest of the département, so département totals stay true.
const dir = process.argv[2];
const communes = require(dir + "/communes.json");
const depts = require(dir + "/departements.json");
const regions = require(dir + "/regions.json");
const keep = new Set(["metro", "drom"]);
const out = [];
out.push("# region\tcode\tname");
for (const r of regions) if (keep.has(r.zone)) out.push(`R\t${r.code}\t${r.nom}`);
out.push("# departement\tcode\tregion\tname");
for (const d of depts) if (keep.has(d.zone)) out.push(`D\t${d.code}\t${d.region}\t${d.nom}`);
out.push("# commune\tcog\tname\tpostcodes\tweight");
for (const d of depts) {
  if (!keep.has(d.zone)) continue;
  const all = communes.filter(c => c.departement === d.code && c.population > 0 &&
    (c.type === "commune-actuelle" && !["75056", "69123", "13055"].includes(c.code) ||
     c.type === "arrondissement-municipal"));
  const total = all.reduce((s, c) => s + c.population, 0);
  const byPop = [...all].sort((a, b) => b.population - a.population || a.code.localeCompare(b.code));
  const chosen = new Map();
  for (const c of byPop.slice(0, 4)) chosen.set(c.code, c);
  for (const c of all) if (c.population >= 30000 || c.code === d.chefLieu || c.type === "arrondissement-municipal") chosen.set(c.code, c);
  const small = all.filter(c => c.population >= 200 && c.population <= 5000 && !chosen.has(c.code))
    .sort((a, b) => a.code.localeCompare(b.code));
  const picks = small.length >= 3 ? [1, 2, 3].map(i => small[Math.floor(i * small.length / 4)]) : small;
  const big = [...chosen.values()].sort((a, b) => a.code.localeCompare(b.code));
  const rest = total - big.reduce((s, c) => s + c.population, 0);
  const name = c => c.type === "arrondissement-municipal" ? c.nom.replace(/ \d+(er|e) Arrondissement$/, "") : c.nom;
  for (const c of big) out.push(`C\t${c.code}\t${name(c)}\t${c.codesPostaux.join(" ")}\t${c.population}`);
  for (const c of picks) out.push(`C\t${c.code}\t${name(c)}\t${c.codesPostaux.join(" ")}\t${Math.round(Math.max(rest, 0) / picks.length)}`);
}
console.log(out.join("\n"));
