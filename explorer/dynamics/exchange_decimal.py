"""DECIDE's arithmetic, in ``decimal`` (28 digits), for the few numbers that decide a choice.

DECIDE computes in :class:`decimal.Decimal`. Exchanges that tie in exact arithmetic
(e.g. because s_p / (s_p + s'_p) is 1/3 on two issues) then differ in the 28th digit, and
DECIDE executes the one its rounding makes larger. To make the same choices, the round
(:mod:`explorer.dynamics.exchange_round`) searches in floats and recomputes here, with
DECIDE's operations in DECIDE's order, (1) every executed exchange's voting positions,
which become the positions the rest of the round works from, (2) the gains of the
exchanges that tie for the best within 1e-9, and (3) the between-round update and the
means that sort actors left or right. Inputs become decimals through their shortest
``repr`` (0.75 → Decimal('0.75')), as DECIDE reads them from text.
"""

from __future__ import annotations

from decimal import Context, Decimal, ROUND_HALF_EVEN

CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)  # the decimal module's default: DECIDE's
SALIENCE_WEIGHT = Decimal(0.4)  # DECIDE builds these from the floats 0.4 and 0.1
FIXED_WEIGHT = Decimal(0.1)
ONE = Decimal(1)
_add, _sub, _mul, _div = CONTEXT.add, CONTEXT.subtract, CONTEXT.multiply, CONTEXT.divide


def dec(value: float) -> Decimal:
    return Decimal(repr(float(value)))


class DecimalModel:
    """The decimal state of a run: inputs, round-start positions, and the moves of a round."""

    def __init__(self, x, s, c, active, low, high):
        n_actors, n_issues = x.shape
        self.n_actors, self.n_issues = n_actors, n_issues
        self.s = [[dec(s[a, i]) if active[a, i] else None for i in range(n_issues)] for a in range(n_actors)]
        self.c = [[dec(c[a, i]) if active[a, i] else None for i in range(n_issues)] for a in range(n_actors)]
        self.members = [[a for a in range(n_actors) if active[a, i]] for i in range(n_issues)]
        step = [Decimal(100 / (high[i] - low[i])) if high[i] != low[i] else Decimal(0) for i in range(n_issues)]
        lows = [Decimal(int(v)) if float(v).is_integer() else dec(v) for v in low]
        self.x = [[CONTEXT.multiply(CONTEXT.subtract(dec(x[a, i]), lows[i]), step[i]) if active[a, i] else None
                   for i in range(n_issues)] for a in range(n_actors)]
        self.total = []
        for i in range(n_issues):
            total = Decimal(0)
            for a in self.members[i]:
                total = CONTEXT.add(total, CONTEXT.multiply(self.s[a][i], self.c[a][i]))
            self.total.append(total)
        self.current: dict[tuple[int, int], Decimal] = {}
        self._statics: dict = {}  # (ia, ja, p, q) → the exchange's decimals that are fixed within a round

    # -- means ---------------------------------------------------------------------------
    def mean(self, issue, replace=None) -> Decimal:
        """Σ x s c / Σ s c in actor order, with some actors' positions replaced (0 if Σ s c = 0)."""
        if self.total[issue] == 0:
            return Decimal(0)
        return CONTEXT.divide(self._numerator(issue, replace), self.total[issue])

    def _numerator(self, issue, replace=None):
        num = Decimal(0)
        for a in self.members[issue]:
            x = self.x[a][issue] if replace is None or a not in replace else replace[a]
            num = CONTEXT.add(num, CONTEXT.multiply(CONTEXT.multiply(x, self.s[a][issue]), self.c[a][issue]))
        return num

    def left_of_mean(self):
        """(actor, issue) → position ≤ the issue's mean (DECIDE's "left")."""
        out = [[False] * self.n_issues for _ in range(self.n_actors)]
        for i in range(self.n_issues):
            m = self.mean(i)
            for a in self.members[i]:
                out[a][i] = self.x[a][i] <= m
        return out

    def position(self, actor, issue) -> Decimal:
        return self.current.get((actor, issue), self.x[actor][issue])

    # -- an exchange ---------------------------------------------------------------------
    def _static(self, ia, ja, p, q):
        """The decimals of an exchange that do not change within a round (each computed as DECIDE does)."""
        C = CONTEXT
        siQ, siP, sjP, sjQ = self.s[ia][q], self.s[ia][p], self.s[ja][p], self.s[ja][q]
        ciQ, cjP = self.c[ia][q], self.c[ja][p]
        value = (siQ, siP, sjP, sjQ, ciQ, cjP, self.total[p], self.total[q], self.x[ia][p], self.x[ja][q],
                 C.divide(C.add(sjP, siP), C.add(sjQ, siQ)), C.multiply(ciQ, siQ),
                 C.divide(C.add(siQ, sjQ), C.add(siP, sjP)), C.multiply(cjP, sjP))
        self._statics[(ia, ja, p, q)] = value
        return value

    def exchange(self, ia, ja, p, q, upd_q, upd_p, check, cross=None, pos_i=None, pos_j=None
                 ) -> tuple[Decimal, Decimal, Decimal]:
        """DECIDE's (gain, y_i, y_j) for i giving way on q and j on p; ``check``: run the mean check.

        ``cross``: (i stops, j stops) when the caller already knows whether the mean would pass
        the partner (its floats are far from a tie); else the means are computed here.
        ``pos_i``, ``pos_j``: the sides' current supply positions, if the caller has them.
        """
        C = CONTEXT
        static = self._statics.get((ia, ja, p, q))
        if static is None:
            static = self._static(ia, ja, p, q)
        siQ, siP, sjP, sjQ, ciQ, cjP, SP, SQ, dem_i, dem_j, ratio_pq, w_iQ, ratio_qp, w_jP = static
        if pos_i is None:
            pos_i, pos_j = self.position(ia, q), self.position(ja, p)
        dist_j = abs(_sub(dem_i, pos_j))
        dist_i = abs(_sub(dem_j, pos_i))
        dp = _div(_mul(_mul(dist_j, sjP), cjP), SP)
        dq = _mul(ratio_pq, dp)
        m_i = _div(_mul(dq, SQ), w_iQ)
        m_j = dist_j
        if abs(m_i) > dist_i:
            dq = _div(_mul(_mul(dist_i, siQ), ciQ), SQ)
            dp = _mul(ratio_qp, dq)
            m_i = dist_i
            m_j = _div(_mul(dp, SP), w_jP)
        if pos_i > dem_j:
            m_i = -m_i
        if pos_j > dem_i:
            m_j = -m_j
        gain = abs(_sub(_mul(dq, siQ), _mul(dp, siP)))
        if not check:
            return gain, _add(pos_i, m_i), _add(pos_j, m_j)
        y = {"i": C.add(pos_i, m_i), "j": C.add(pos_j, m_j)}
        if check:
            sides = {"i": (ia, q, pos_i, dem_i, upd_q, siQ, siP, ciQ), "j": (ja, p, pos_j, dem_j, upd_p, sjP, sjQ, cjP)}
            for k, (a_side, o_side) in enumerate((("i", "j"), ("j", "i"))):
                actor, issue, pos_a, dem_a, upd, s_sup, s_dem, c_a = sides[a_side]
                o_actor, o_issue, pos_o, dem_o, _, o_sup, o_dem, c_o = sides[o_side]
                x = dem_o  # the partner's position on this issue
                if cross is None:
                    replace = dict(upd)
                    replace[actor] = pos_a
                    nbs0 = self.mean(issue, replace)
                    replace[actor] = y[a_side]
                    nbs1 = self.mean(issue, replace)
                    if (x - nbs0 >= 0 and x - nbs1 >= 0) or (x - nbs0 <= 0 and x - nbs1 <= 0):
                        continue
                elif not cross[k]:
                    continue
                replace = {actor: pos_a}
                replace.update(upd)  # DECIDE's sum includes the actor itself (at its update if it has one)
                nominator = self._numerator(issue, replace)
                den = self.total[issue]
                delta = abs(C.divide(C.subtract(C.multiply(x, den), nominator), C.multiply(s_sup, c_a)))
                r_a = C.divide(C.multiply(C.multiply(delta, s_sup), c_a), den)
                r_o = C.multiply(C.divide(C.add(s_sup, o_dem), C.add(s_dem, o_sup)), r_a)
                m_o = abs(C.divide(C.multiply(r_o, self.total[o_issue]), C.multiply(c_o, o_sup)))
                m_a = delta
                if pos_o > dem_a:
                    m_o = -m_o
                if pos_a > x:
                    m_a = -m_a
                y[o_side] = C.add(pos_o, m_o)
                y[a_side] = C.add(pos_a, m_a)
                gain = abs(C.subtract(C.multiply(r_o, o_sup), C.multiply(r_a, o_dem)))
        return gain, y["i"], y["j"]

    # -- between rounds ------------------------------------------------------------------
    def next_round(self, executed):
        """Apply DECIDE's between-round update for ``executed`` [(actor, issue, y), ...] in order."""
        C = CONTEXT
        new = [row[:] for row in self.x]
        for actor, issue, y in executed:
            s, x = self.s[actor][issue], self.x[actor][issue]
            kept = C.multiply(C.subtract(ONE, s), SALIENCE_WEIGHT)
            moved = C.add(C.add(C.multiply(kept, y), C.multiply(FIXED_WEIGHT, y)),
                          C.multiply(C.subtract(C.subtract(ONE, kept), FIXED_WEIGHT), x))
            new[actor][issue] = moved
        self.x = new
        self.current = {}
        self._statics = {}
