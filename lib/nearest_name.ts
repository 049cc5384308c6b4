// "Did you mean ...?" for a name that is not one of the known ones: a misspelt config key (lib/
// mqtt5_config.ts) or command-line flag (lib/cli/options.ts).

/** The edit distance between two strings (insertions, deletions, substitutions). */
export function levenshtein(a: string, b: string): number {
    const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let prev = dp[0];
        dp[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = dp[j];
            dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return dp[b.length];
}

/**
 * The candidate nearest to `name` by `distance` (the first of equals), if it is near enough to be
 * what was meant: at most 2 edits, or a third of the name's length for longer names.
 */
export function nearestName(
    name: string,
    candidates: Iterable<string>,
    distance: (name: string, candidate: string) => number = levenshtein,
): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of candidates) {
        const d = distance(name, candidate);
        if (d < bestDistance) {
            bestDistance = d;
            best = candidate;
        }
    }
    return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
