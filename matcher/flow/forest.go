package flow

// Forest is a union-find over the nodes of a bipartite network: resource r
// is node r, demand d is node nr+d. A set is rooted at its lowest node, so
// the roots, and whatever is numbered by them, do not depend on the order
// of the joins. Transport.components and the stable mode's split into
// parts (matcher/match) both read their components from one.
type Forest []int32

// JoinEdges makes parent (nr resources and the demands after them) a
// forest in which the two ends of every edge e that useful accepts are
// joined.
func JoinEdges(parent []int32, nr int, R, D []int32, useful func(e int) bool) Forest {
	f := Forest(parent)
	for i := range f {
		f[i] = int32(i)
	}
	for e := range R {
		if useful(e) {
			if a, b := f.Find(R[e]), f.Find(int32(nr)+D[e]); a != b {
				f[max(a, b)] = min(a, b)
			}
		}
	}
	return f
}

// Find returns the root of x's set, halving the path on the way.
func (f Forest) Find(x int32) int32 {
	for f[x] != x {
		f[x] = f[f[x]]
		x = f[x]
	}
	return x
}
