// throwaway
use edict_bench::rego::Rego;
use edict_bench::spec::Spec;
use std::time::Instant;

#[test]
#[ignore]
fn timing() {
    let sizes: Vec<usize> = std::env::var("SIZES").unwrap_or("1000,10000,100000".into()).split(',').map(|s| s.parse().unwrap()).collect();
    for n in sizes {
        let spec = Spec::generate(n, 42);
        let qs = spec.queries(1000, 4242);
        let t = Instant::now();
        let mut r = Rego::load(&spec);
        let load = t.elapsed();
        let mut allows = 0;
        for q in &qs { if r.decide(q) { allows += 1; } }
        let t = Instant::now();
        let mut rounds = 0;
        while t.elapsed().as_secs_f64() < 2.0 {
            for q in &qs { if r.decide(q) { allows += 1; } }
            rounds += 1;
        }
        let per = t.elapsed().as_secs_f64() / (rounds * qs.len()) as f64;
        eprintln!("n={n} load={:.1} ms per decision={:.2} us (allows {allows})", load.as_secs_f64()*1e3, per*1e6);
    }
}

#[test]
#[ignore]
fn stats() {
    use edict_bench::spec::above;
    for n in [1000usize, 10000, 100000] {
        let spec = Spec::generate(n, 42);
        let qs = spec.queries(1000, 4242);
        let (mut pairs, mut cands, mut applies) = (0usize, 0usize, 0usize);
        for q in &qs {
            let ab = [above(&spec.actions, q.action), above(&spec.actors, q.actor), above(&spec.categories, q.category)];
            let na = ab[0].iter().filter(|&&x| x).count() + 1;
            let nb = ab[1].iter().filter(|&&x| x).count() + 1;
            pairs += na * nb;
            for r in &spec.rules {
                let w = |s: &Option<Vec<usize>>, m: &[bool]| s.as_ref().is_none_or(|s| s.iter().any(|&x| m[x]));
                if w(&r.actions, &ab[0]) && w(&r.actors, &ab[1]) { cands += 1; if r.applies(&ab, q) { applies += 1; } }
            }
        }
        eprintln!("n={n} pairs/q={:.1} candidates/q={:.1} applying/q={:.1}", pairs as f64/1000.0, cands as f64/1000.0, applies as f64 / 1000.0);
    }
}
