// Decision rules in words, as server/domain/rules.py says them (docs/RULES.md is the definition):
// `describeRule(rule)` ("qualified majority (67% of members)") and `explain(rule, electorate,
// votes)` (what an open decision still needs). The decisions view folds these into each decision
// as the server's view has them, so they must read the same, to the character.

/** A share as written ("0.67") as an exact fraction [numerator, denominator]. */
function exact(x) {
  const s = String(x);
  const m = /^(\d*)(?:\.(\d+))?$/.exec(s);
  if (!m) return [Number(x), 1];
  const decimals = m[2] || "";
  return [Number(`${m[1] || "0"}${decimals}`), 10 ** decimals.length];
}

/** The smallest whole number that is at least `share` of `of`, computed exactly. */
export function needed(share, of) {
  const [num, den] = exact(share);
  const a = BigInt(num) * BigInt(of);
  return Number((a + BigInt(den) - 1n) / BigInt(den));
}

/** Python's `f"{x:.0%}"`: the share times 100, rounded half to even. */
export function pct(x) {
  const v = Number(x) * 100;
  const floor = Math.floor(v);
  let r = Math.round(v);
  if (v - floor === 0.5) r = floor % 2 === 0 ? floor : floor + 1;
  return `${r}%`;
}

export function tally(votes, electorate) {
  const t = { for: 0, against: 0, abstain: 0 };
  for (const s of electorate) {
    const v = votes[s];
    if (v) t[v] += 1;
  }
  t.cast = t.for + t.against + t.abstain;
  t.eligible = electorate.length;
  t.not_voted = t.eligible - t.cast;
  return t;
}

export function describeRule(rule) {
  const name = String(rule.rule);
  const base = rule.base ?? "members";
  const of = base === "votes_cast" ? `of votes cast${rule.abstentions === "ignore" ? " (abstentions ignored)" : ""}` : "of members";
  if (name === "qualified_majority") return `qualified majority (${pct(rule.threshold)} ${of})`;
  if (name === "simple_majority") return `simple majority (${of})`;
  if (name === "consensus") return rule.abstention_blocks ? "consensus (abstention blocks)" : "consensus";
  if (name === "single_authority") return `decided by ${rule.authority} alone`;
  if (name === "weighted") {
    let out = `weighted majority (${pct(rule.threshold)} of the weight${base === "votes_cast" ? " of votes cast" : ""}`;
    if (rule.member_share !== undefined && rule.member_share !== null) out += `, and ${pct(rule.member_share)} of members`;
    return `${out})`;
  }
  return name.replaceAll("_", " ");
}

/** What an open decision still needs, in words (the server's `explain`). */
export function explain(rule, electorate, votes) {
  const n = electorate.length;
  const t = tally(votes, electorate);
  const name = rule.rule;
  const q = needed(rule.quorum ?? 0.5, n);
  let quorum = t.cast >= q || name === "silence_procedure" || name === "single_authority" ? ""
    : ` At least ${q} of ${n} must take part: ${q - t.cast} more.`;
  if (name === "silence_procedure") return t.against ? "Rejected: an objection." : "Adopted when the time runs out unless someone objects.";
  if (name === "single_authority") return `Decided by ${rule.authority} alone.`;
  if (name === "consensus") {
    return `Adopted if nobody votes against${rule.abstention_blocks ? " or abstains" : ""}: ${t.not_voted} of ${n} still to vote.${quorum}`;
  }
  if (name === "unanimity") return `Adopted only if all ${n} vote for: ${n - t.for} more needed.`;
  const majority = name === "simple_majority" || name === "qualified_majority";
  if (majority && (rule.base ?? "members") === "members") {
    const k = name === "simple_majority" ? Math.floor(n / 2) + 1 : needed(rule.threshold, n);
    if (k >= q) quorum = ""; // the votes for that adopt it are a quorum themselves
    return `Adopted as soon as ${k} of ${n} vote for: ${Math.max(0, k - t.for)} more needed.${quorum}`;
  }
  if (majority) {
    const what = name === "simple_majority" ? "more than half" : pct(rule.threshold);
    return `Adopted if ${what} of the votes cast are for: ${t.for} for, ${t.against} against so far.${quorum}`;
  }
  if (name === "weighted") return `Adopted when the weight for reaches ${pct(rule.threshold)}.${quorum}`;
  return "";
}
