"""One round of the equal-gain exchange model (DECIDE's rules; see ``docs/dynamics.md``).

Everything is on DECIDE's 0–100 scale. An exchange e has two sides: side i gives way on
issue ``q[e]`` (its supply issue) and wants issue ``p[e]`` (its demand issue); side j gives
way on ``p[e]`` and wants ``q[e]``. Per exchange the round keeps, as DECIDE does per
exchange object, each side's current supply position, its voting position ``y``, the
history of its computed moves, and the moves of third actors it has been told about
("updates", used when checking that the mean does not pass the partner's position).

The cost is numpy's per-call overhead on small arrays (about 30 exchanges are recomputed
after each execution), so the code counts calls: the per-side arrays are stacked as (2, n)
(row 0 side i, row 1 side j) and one call serves both sides; the static and dynamic fields
sit in one (field, side, exchange) array that one ``take`` reads (``take`` along the last
axis is several times cheaper than fancy indexing there); a side's move history is updated
where its position is taken over; an exchange whose decimal gain cannot have changed keeps
it as its sort key. Every float is computed with the same operations in the same order as
the side-by-side formulas in the docs, so the results are the same to the bit as those of
the side-by-side code this replaced (checked on cop21 and on random tie-heavy inputs).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

MIN_MOVE = 1e-10  # DECIDE: a move of at most this size is no move
MIN_GAIN = 1e-10  # DECIDE: an exchange with a smaller gain is not made
NEAR = 1e-7  # closer than this to the partner, the mean check is redone in decimal
TIE = 1e-9  # gains this close (relatively) to a neighbour in the sorted list are compared in decimal
EDGE = 1e-9  # slack for the 0–100 and Σ moves ≤ 100 checks (DECIDE computes in Decimal)

CHECK, NEARLY, CROSS_I, CROSS_J = 1, 2, 4, 8  # bits of Round.flags
_ROW1 = np.array([[False], [True]])  # (2, 1): row j


def _groups(keys):
    """key → (flat indices with that key), for a flat int array of keys."""
    if not len(keys):
        return {}
    by = np.argsort(keys, kind="stable")
    ks = keys[by]
    cut = np.flatnonzero(ks[1:] != ks[:-1]) + 1
    starts = [0] + cut.tolist()
    ends = cut.tolist() + [len(ks)]
    kl = ks.tolist()
    return {kl[a]: by[a:b] for a, b in zip(starts, ends)}


class Round:
    """State of one round; :meth:`run` executes the exchanges and returns their indices."""

    def __init__(self, x, s, c, weight, candidates, exact):
        ia, ja, p, q = candidates
        self.exact = exact  # the DecimalModel: DECIDE's own arithmetic for the choices
        self.x = x
        self.weight = weight
        self.ia, self.ja, self.p, self.q = ia, ja, p, q
        self.abpq = list(zip(ia.tolist(), ja.tolist(), p.tolist(), q.tolist()))
        n = len(ia)
        self.n = n
        n_actors = x.shape[0]
        self.n_actors = n_actors
        total = weight.sum(axis=0)
        num0 = (weight * x).sum(axis=0)
        actor = np.stack((ia, ja)).reshape(2, n)  # side's actor
        sup = np.stack((q, p)).reshape(2, n)  # side's supply issue
        want = np.stack((p, q)).reshape(2, n)  # side's demand issue
        self.actor = actor
        # static per exchange and side, stacked: (field, side, exchange)
        fields = np.zeros((15, 2, n))  # rows 0–9 static, 10–14 dynamic (one gather serves both)
        stat = fields[:10]
        stat[0] = s[actor, sup]  # salience on the supply issue
        stat[1] = s[actor, want]  # ... on the demand issue
        stat[2] = c[actor, sup]  # power on the supply issue
        stat[3] = total[sup]  # Σ w on the supply issue
        stat[4] = stat[0] * stat[2]  # w on the supply issue
        with np.errstate(all="ignore"):
            stat[5] = (stat[0] + stat[1][::-1]) / (stat[1] + stat[0][::-1])  # equal-gain ratio
        stat[6] = x[actor, want][::-1]  # the partner's position on the supply issue (the target)
        stat[7] = x[actor, sup]  # round-start supply position
        stat[8] = num0[sup]  # Σ w x at the round's start on the supply issue
        stat[9] = stat[4] * stat[7]  # w x of the side at its round-start position
        self.stat = stat
        # dynamic: (field, side, exchange): supply position; Σ, min and −max of the earlier moves;
        # Σ w Δ of the updates told
        dyn = fields[10:]
        dyn[0] = stat[7]
        dyn[2] = np.inf
        dyn[3] = np.inf
        self.dyn = dyn
        self.fields = fields
        self.pos, self.hs, self.hmin, self.hneg, self.d = dyn
        self.pos_f = self.pos.reshape(-1)
        self.d_f = self.d.reshape(-1)
        self.y = np.zeros((2, n))
        self.y_f = self.y.reshape(-1)
        self.m = np.zeros((2, n))
        self.m_f = self.m.reshape(-1)
        self.hs_f, self.hmin_f, self.hneg_f = self.hs.reshape(-1), self.hmin.reshape(-1), self.hneg.reshape(-1)
        self.valid = np.zeros(n, dtype=bool)
        # third actors' positions this exchange has been told about: row 0 on q (i's supply), row 1 on p
        self.u = np.full((2 * n, n_actors), np.nan)
        self.u_f = self.u.reshape(-1)
        self.src = np.full((2 * n, n_actors), -1)  # which executed voting position each update is
        self.src_f = self.src.reshape(-1)
        self.ubase = (np.arange(2 * n).reshape(2, n) * n_actors + actor)  # flat index of the side's own update
        self.y_exact: list = []  # executed voting positions, in decimal
        # in the last calculation: the mean check mattered (or nearly: CHECK), nearly (NEARLY: floats
        # cannot tell, decimals decide), and it stopped i (CROSS_I) / j (CROSS_J)
        self.flags = np.zeros(n, dtype=np.int8)
        self.fresh = np.zeros(n, dtype=bool)  # the sort key below is the decimal gain
        self.key_hi, self.key_lo = np.zeros(n), np.zeros(n)  # the sort key: hi + lo
        self._cache: dict = {}  # exchange → (its decimal inputs, DECIDE's decimal result)
        self.gain_done: np.ndarray = np.zeros(0)
        self.from_i: np.ndarray = np.zeros(0)
        self.from_j: np.ndarray = np.zeros(0)
        if n:
            with np.errstate(all="ignore"):  # invalid moves may divide by zero; they are dropped
                self.calculate(np.arange(n))

    # -- compatibility views ---------------------------------------------------------------
    @property
    def y_i(self):
        return self.y[0]

    @property
    def y_j(self):
        return self.y[1]

    # -- the moves an exchange makes -------------------------------------------------------
    @staticmethod
    def _move_ok(m, y, hs, hmin, hneg):
        """DECIDE's validity of a move (y = pos + m) given the side's earlier moves in this exchange.

        All moves of a side have one sign: max(earlier, m) < 0 or min(earlier, m) > 0, which for a
        move m ≠ 0 (ensured by |m| > MIN_MOVE) is min(earlier) > 0 if m > 0, −max(earlier) > 0 if not.
        """
        a = np.abs(m)
        return ((a <= 100.0) & (a > MIN_MOVE) & (y >= -EDGE) & (y <= 100.0 + EDGE)
                & (hs + m <= 100.0 + EDGE) & (np.where(m > 0, hmin, hneg) > 0))

    def calculate(self, e, same_pos=None):
        """Recompute exchanges e (sorted, unique); their sides' histories are already up to date (run).

        ``same_pos`` (bool per e): neither side's supply position was taken over. An exchange
        whose decimal gain is known (fresh) and that skips the mean check before and after, at the
        same positions, has the same decimal inputs (DECIDE's gain is the same), so it keeps its
        decimal sort key rather than being recomputed in decimal at the next tie.
        """
        keep = None
        if same_pos is not None:
            keep = same_pos & self.fresh[e] & (self.flags[e] == 0)
            if keep.any():
                old = self.key_hi[e]
            else:
                keep = None
        # DECIDE's two cases, for both sides at once: row i / row j of every (2, k) array
        (s_sup, s_dem, c_sup, S_sup, w_sup, rat, tgt, start, n0, w_start,
         pos, hs, hmin, hneg, d) = self.fields.take(e, axis=2)
        dist = np.abs(tgt - pos)  # j moves all the way to i's position on p ...
        r0 = dist * s_sup * c_sup / S_sup  # row j: dp; row i: dq if i moves all the way
        r1 = rat * r0  # row j: dq from equal gain; row i: dp
        mv = r1[::-1] * S_sup / w_sup  # row i: i's move for dq; row j: j's move for dp
        over = np.abs(mv[0]) > dist[0]  # ... unless i would then have to pass j's position on q
        m = np.where(over ^ _ROW1, dist, mv)
        dq = np.where(over, r0[0], r1[1])
        dp = np.where(over, r1[0], r0[1])
        np.negative(m, out=m, where=pos > tgt)
        py = np.empty((2,) + m.shape)  # (position, voting position)
        py[0] = pos
        y = np.add(pos, m, out=py[1])
        gain = np.abs(dq * s_sup[0] - dp * s_dem[0])
        ok2 = self._move_ok(m, y, hs, hmin, hneg)
        ok = ok2[0] & ok2[1] & (gain >= MIN_GAIN)
        fe = np.concatenate((e, e + self.n))  # flat (side, exchange) indices, for stores
        self.m_f[fe] = m.reshape(-1)
        self.y_f[fe] = y.reshape(-1)
        self.key_hi[e] = gain  # the sort key: the float gain until a tie asks for the decimal one
        self.fresh[e] = False
        self.valid[e] = ok
        self.flags[e] = 0
        if not ok.any():
            return
        if keep is not None:  # (restored below, where the mean check stays out of it)
            keep &= ok
        # the mean check (both sides at once): the mean before and after the move, the partner's position
        ua = self.u_f[self.ubase.take(e, axis=1)]
        told = np.isfinite(ua)
        # the mean with the updates applied, a's own update replaced by the position tried
        others = n0 + d - np.where(told, w_sup * (ua - start), 0.0) - w_start
        ba = tgt - (others + w_sup * py) / S_sup  # (before/after, side, exchange)
        # the partner lies strictly between the two means (of the valid ones, all finite):
        # not (x ≥ both or x ≤ both), i.e. before and after have strictly opposite signs
        sign = np.sign(ba)
        cross = (sign[0] * sign[1] < 0) & ok
        a = np.abs(ba)
        near = (np.minimum(a[0], a[1]) < NEAR) & ok
        if not (cross.any() or near.any()):
            if keep is not None:
                self._keep(e, keep, old)
            return
        ci = np.flatnonzero(cross[0])
        if len(ci):  # i stops where the mean meets j; then j's check sees i's result
            self._stop(0, ci, e, m, y, gain, pos, d, told)
            before = tgt[1][ci] - (others[1][ci] + w_sup[1][ci] * pos[1][ci]) / S_sup[1][ci]
            after = tgt[1][ci] - (others[1][ci] + w_sup[1][ci] * y[1][ci]) / S_sup[1][ci]
            cross[1][ci] = ~(((before >= 0) & (after >= 0)) | ((before <= 0) & (after <= 0)))
            near[1][ci] = (np.abs(before) < NEAR) | (np.abs(after) < NEAR)
        cj = np.flatnonzero(cross[1])
        if len(cj):
            self._stop(1, cj, e, m, y, gain, pos, d, told)
        nr = near[0] | near[1]
        changed = cross[0] | cross[1] | nr
        self.flags[e] = changed * CHECK + nr * NEARLY + cross[0] * CROSS_I + cross[1] * CROSS_J
        if len(ci) or len(cj):
            ch = np.flatnonzero(cross[0] | cross[1])
            ec = e[ch]
            fc = np.concatenate((ec, ec + self.n))
            self.m_f[fc] = m.take(ch, axis=1).reshape(-1)
            self.y_f[fc] = y.take(ch, axis=1).reshape(-1)
            self.key_hi[ec] = gain[ch]
        for k in e[nr].tolist():  # the mean lands (almost) on the partner: DECIDE's rounding decides
            g, y_i, y_j = self._exact(k)
            self.key_hi[k], self.y[0, k], self.y[1, k] = float(g), float(y_i), float(y_j)
            self.m[0, k], self.m[1, k] = self.y[0, k] - self.pos[0, k], self.y[1, k] - self.pos[1, k]
        ec = e[changed]
        mm = self.m.take(ec, axis=1)
        pp = self.pos.take(ec, axis=1)
        ok2 = self._move_ok(mm, pp + mm, self.hs.take(ec, axis=1), self.hmin.take(ec, axis=1),
                            self.hneg.take(ec, axis=1))
        self.valid[ec] = ok2[0] & ok2[1]
        if keep is not None:
            self._keep(e, keep & ~changed, old)

    def _keep(self, e, keep, old):
        k = e[keep]
        self.fresh[k] = True
        self.key_hi[k] = old[keep]

    def _stop(self, a, idx, e, m, y, gain, pos, d, told):
        """Side a (0 = i, 1 = j) of the batch members idx moves only until the mean is at its partner."""
        o = 1 - a
        s_sup, s_dem, c_sup, S_sup, w_sup, rat, tgt, start, n0, _ = self.stat.take(e[idx], axis=2)
        pos_a, pos_o = pos[a][idx], pos[o][idx]
        # DECIDE's sum here includes a itself: at its update if it has one, else where it is now
        nom = n0[a] + d[a][idx] + np.where(told[a][idx], 0.0, w_sup[a] * (pos_a - start[a]))
        delta = np.abs((tgt[a] * S_sup[a] - nom) / w_sup[a])
        r_a = delta * s_sup[a] * c_sup[a] / S_sup[a]
        r_o = rat[a] * r_a
        m_o = np.abs(r_o * S_sup[o] / w_sup[o])
        m_a = delta
        m_o = np.where(pos_o > tgt[o], -m_o, m_o)
        m_a = np.where(pos_a > tgt[a], -m_a, m_a)
        m[a][idx], m[o][idx] = m_a, m_o
        y[a][idx], y[o][idx] = pos_a + m_a, pos_o + m_o
        gain[idx] = np.abs(r_o * s_sup[o] - r_a * s_dem[o])

    # -- executing ---------------------------------------------------------------------------
    def _tell(self, f, actor, issue, start, y, y_src):
        """Record in the exchange sides f (flat side·n + e) that ``actor`` moved to ``y`` on ``issue``."""
        uf = f * self.n_actors + actor
        old = self.u_f[uf]
        told = np.isfinite(old)
        if not told.any():  # told for the first time everywhere: the update is y
            self.d_f[f] += float(self.weight[actor, issue]) * (y - float(self.x[actor, issue]))
            self.u_f[uf] = y
            self.src_f[uf] = y_src
            return
        keep = told & np.where(start <= old, old < y, old > y)
        new = np.where(keep, old, y)
        w = self.weight[actor, issue]
        self.d_f[f] += w * (new - np.where(told, old, self.x[actor, issue]))
        self.u_f[uf] = new
        self.src_f[uf] = np.where(keep, self.src_f[uf], y_src)

    def _exact(self, e):
        """DECIDE's decimal (gain, y_i, y_j) for exchange e as it stands."""
        flags = int(self.flags[e])
        check = bool(flags & CHECK)
        ia, ja, p, q = self.abpq[e]
        pos_i, pos_j = self.exact.position(ia, q), self.exact.position(ja, p)
        srcs = (self.src[e].tobytes(), self.src[self.n + e].tobytes()) if check else False
        cached = self._cache.get(e)
        if cached is not None and cached[0] is pos_i and cached[1] is pos_j and cached[2] == srcs:
            return cached[3]
        if check:
            upd_q, upd_p = self._updates(self.src[e]), self._updates(self.src[self.n + e])
        else:
            upd_q, upd_p = {}, {}
        cross = None if flags & NEARLY else (bool(flags & CROSS_I), bool(flags & CROSS_J))  # floats can tell
        result = self.exact.exchange(ia, ja, p, q, upd_q, upd_p, check, cross, pos_i, pos_j)
        self._cache[e] = (pos_i, pos_j, srcs, result)
        return result

    def _updates(self, row):
        told = np.flatnonzero(row >= 0)
        return {a: self.y_exact[k] for a, k in zip(told.tolist(), row[told].tolist())}

    def _sorted(self, listed):
        """DECIDE's stable sort by gain, highest first, on the gains as DECIDE's decimals have them.

        Floats order gains that differ by more than 1e-9 (relatively); gains closer than that to
        a neighbour are recomputed in decimal and ordered on (hi, lo) = the decimal as a sum of
        two floats, so that equal decimals keep their list order and unequal ones DECIDE's.
        """
        key_hi, fresh = self.key_hi, self.fresh
        while True:
            hi = key_hi[listed]
            by = np.argsort(-hi, kind="stable")
            order = listed[by]
            hi = hi[by]
            gap = hi[:-1] - hi[1:]
            close = gap <= TIE * hi[:-1]
            if not close.any():
                return order
            stale = ~fresh[order]
            close_stale = close & (stale[:-1] | stale[1:])  # a close pair with a float key in it
            if not close_stale.any():
                break
            member = np.zeros(len(order), dtype=bool)
            member[:-1] = close_stale
            member[1:] |= close_stale
            todo = order[member & stale]
            moved = False
            for k in todo.tolist():
                gain = self._exact(k)[0]
                high = float(gain)
                moved |= high != key_hi[k]
                key_hi[k], self.key_lo[k] = high, float(gain - Decimal(high))
                fresh[k] = True
            if not moved:  # the same floats: sorting again would give this order and these pairs
                break
        pairs = np.flatnonzero(close)
        same = pairs[gap[pairs] == 0]  # order[s] and order[s + 1] have the same hi
        if len(same):
            key_lo = self.key_lo
            differ = same[key_lo[order[same]] != key_lo[order[same + 1]]]
            if len(differ):
                # sort each run of equal hi that holds different lo by lo, stably (= by (hi, lo)):
                # a run of two is swapped if its lo rise, a longer one sorted
                equal = np.zeros(len(order) + 1, dtype=bool)  # [-1] is False
                equal[same] = True
                two = ~equal[differ - 1] & ~equal[differ + 1]
                pair = differ[two]
                pair = pair[key_lo[order[pair]] < key_lo[order[pair + 1]]]
                if len(pair):
                    first = order[pair]
                    order[pair] = order[pair + 1]
                    order[pair + 1] = first
                end = -1
                for s in differ[~two].tolist():
                    if s < end:
                        continue  # in the run just sorted
                    start = s
                    while start > 0 and equal[start - 1]:
                        start -= 1
                    end = s + 1
                    while equal[end]:
                        end += 1
                    run = order[start:end + 1]
                    order[start:end + 1] = run[np.argsort(-key_lo[run], kind="stable")]
        return order

    def run(self) -> np.ndarray:
        with np.errstate(all="ignore"):  # invalid moves may divide by zero; they are dropped
            return self._run()

    def _run(self) -> np.ndarray:
        ia, ja, p, q = self.ia, self.ja, self.p, self.q
        n = self.n
        n_issues = self.x.shape[1]
        flat_e = np.concatenate([np.arange(n), np.arange(n)])
        # (actor, issue) → the exchange sides (flat side·n + e) that give way there ...
        supplies = _groups((self.actor * n_issues + np.stack((q, p)).reshape(2, n)).reshape(-1))
        # ... and that want it (their mean check is on it: row 0 = j wants q, row 1 = i wants p)
        wants = _groups((self.actor[::-1] * n_issues + np.stack((q, p)).reshape(2, n)).reshape(-1))
        supplies = {k: (f, flat_e[f]) for k, f in supplies.items()}
        wants = {k: (f, flat_e[f]) for k, f in wants.items()}
        valid = self.valid
        mark = np.zeros(n, dtype=bool)  # exchanges to recompute
        moved = np.zeros(n, dtype=bool)  # ... of which a side's supply position was taken over
        st = self.stat[7]
        order = np.flatnonzero(valid)  # DECIDE's list, in list order
        done, gains, from_i, from_j = [], [], [], []
        position, current = self.exact.position, self.exact.current
        while len(order):
            # DECIDE's stable sort; float noise must not reorder gains that are equal in decimal
            order = self._sorted(order)
            best = int(order[0])
            order = order[1:]
            valid[best] = False  # popped from the list
            gain, yi_exact, yj_exact = self._exact(best)
            done.append(best)
            gains.append(float(gain))
            xa_i, xa_j, xq, xp = int(ia[best]), int(ja[best]), int(q[best]), int(p[best])
            from_i.append(float(position(xa_i, xq)))
            from_j.append(float(position(xa_j, xp)))
            current[(xa_i, xq)] = yi_exact
            current[(xa_j, xp)] = yj_exact
            self.y_exact += [yi_exact, yj_exact]
            src_i, src_j = len(self.y_exact) - 2, len(self.y_exact) - 1
            y_i, y_j = float(yi_exact), float(yj_exact)
            self.y[0, best], self.y[1, best] = y_i, y_j
            key_i, key_j = xa_i * n_issues + xq, xa_j * n_issues + xp  # where the executed sides gave way
            found = False
            # a side that gives way on the same issue as a side of the executed exchange moves with it
            for key, y in ((key_i, y_i), (key_j, y_j)):
                g = supplies.get(key)
                if g is not None:
                    k = valid[g[1]]
                    if k.any():
                        f = g[0][k]
                        self.pos_f[f] = y
                        # the side grows: it keeps its last move in its history (DECIDE's moves list)
                        mm = self.m_f[f]
                        self.hs_f[f] += mm
                        self.hmin_f[f] = np.minimum(self.hmin_f[f], mm)
                        self.hneg_f[f] = np.minimum(self.hneg_f[f], -mm)
                        e = g[1][k]
                        mark[e] = True
                        moved[e] = True
                        found = True
            # a side that wants what a side of the executed exchange wants is told of the partner's move
            for key, actor, issue, start, y, y_src in ((xa_j * n_issues + xq, xa_i, xq, st[0, best], y_i, src_i),
                                                     (xa_i * n_issues + xp, xa_j, xp, st[1, best], y_j, src_j)):
                g = wants.get(key)
                if g is not None:
                    k = valid[g[1]]
                    if k.any():
                        self._tell(g[0][k], actor, issue, start, y, y_src)
                        mark[g[1][k]] = True
                        found = True
            if found:
                e = np.flatnonzero(mark)
                mark[e] = False
                same_pos = ~moved[e]
                moved[e] = False
                self.calculate(e, same_pos=same_pos)
                order = order[valid[order]]
        self.executed = []  # (actor, issue, decimal voting position) in execution order
        for k, e in enumerate(done):
            self.executed.append((int(ia[e]), int(q[e]), self.y_exact[2 * k]))
            self.executed.append((int(ja[e]), int(p[e]), self.y_exact[2 * k + 1]))
        self.gain_done = np.array(gains)
        self.from_i, self.from_j = np.array(from_i), np.array(from_j)
        return np.array(done, dtype=int)
