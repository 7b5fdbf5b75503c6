/*
 * Page-table locks from include/linux/mm.h: pte_offset_map_lock() and
 * pte_alloc_map_lock() return the mapped PTEs with the PTE lock taken and
 * hand the lock back through their last argument; pte_unmap_unlock(pte, ptl)
 * drops it. Since 6.5 a NULL pte (no page table) means nothing was locked
 * and callers test it; before, the call could not fail and callers do not.
 * Modelled on mm/memory.c copy_pte_range(), which also takes the source
 * lock with spin_lock_nested() and loops with `goto again` after unlocking
 * both: with the unlock unseen, the loop "re-took a held spinlock" and
 * cond_resched() "slept under it". Sleeping, or returning, under a PTE lock
 * is still flagged.
 */
struct toy_mm;
struct toy_vm_fault { pmd_t *pmd; unsigned long address; pte_t *pte; spinlock_t *ptl; };

static int ptl_copy_range(struct toy_mm *dst_mm, struct toy_mm *src_mm, pmd_t *dst_pmd, pmd_t *src_pmd,
			  unsigned long addr, unsigned long end)
{
	pte_t *src_pte, *dst_pte;
	spinlock_t *src_ptl, *dst_ptl;

again:
	dst_pte = pte_alloc_map_lock(dst_mm, dst_pmd, addr, &dst_ptl);
	if (!dst_pte)
		return -ENOMEM;
	src_pte = pte_offset_map_nolock(src_mm, src_pmd, addr, &src_ptl);
	if (!src_pte) {
		pte_unmap_unlock(dst_pte, dst_ptl);
		return 0;
	}
	spin_lock_nested(src_ptl, SINGLE_DEPTH_NESTING);
	do {
		toy_copy_one_pte(dst_pte, src_pte);
	} while (dst_pte++, src_pte++, addr += PAGE_SIZE, addr != end);
	pte_unmap_unlock(src_pte, src_ptl);
	pte_unmap_unlock(dst_pte, dst_ptl);
	cond_resched();
	if (addr != end)
		goto again;
	return 0;
}

/* 6.5+: the result tested, the lock in a struct (the fault path's vmf->ptl) */
static int ptl_fault_new(struct toy_mm *mm, struct toy_vm_fault *vmf)
{
	vmf->pte = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);
	if (!vmf->pte)
		return 0;
	toy_set_pte(vmf->pte);
	pte_unmap_unlock(vmf->pte, vmf->ptl);
	cond_resched(); /* after the unlock */
	return 0;
}

/* 6.1: not tested, it cannot fail */
static void ptl_zap_old(struct toy_mm *mm, pmd_t *pmd, unsigned long addr)
{
	spinlock_t *ptl;
	pte_t *start_pte, *pte;

	start_pte = pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	toy_clear_pte(pte);
	pte_unmap_unlock(start_pte, ptl);
}

static int ptl_sleeps_under_ptl(struct toy_mm *mm, pmd_t *pmd, unsigned long addr)
{
	spinlock_t *ptl;
	pte_t *pte = pte_offset_map_lock(mm, pmd, addr, &ptl);

	if (!pte)
		return -EAGAIN;
	cond_resched(); /* expect: sleep-in-atomic */
	pte_unmap_unlock(pte, ptl);
	return 0;
}

static int ptl_leaks(struct toy_mm *mm, pmd_t *pmd, unsigned long addr, int bad)
{
	spinlock_t *ptl;
	pte_t *pte = pte_offset_map_lock(mm, pmd, addr, &ptl);

	if (!pte)
		return -EAGAIN;
	if (bad)
		return -EINVAL; /* expect: lock-leak */
	pte_unmap_unlock(pte, ptl);
	return 0;
}

/* mm/memory.c apply_to_pte_range(): the kernel's page tables are not locked, a process's are */
static int ptl_apply_range(struct toy_mm *mm, pmd_t *pmd, unsigned long addr, int create)
{
	spinlock_t *ptl;
	pte_t *pte, *mapped_pte;

	if (create) {
		mapped_pte = pte = (mm == &toy_init_mm) ?
			toy_pte_alloc_kernel(pmd, addr) :
			pte_alloc_map_lock(mm, pmd, addr, &ptl);
		if (!pte)
			return -ENOMEM;
	} else {
		mapped_pte = pte = (mm == &toy_init_mm) ?
			toy_pte_offset_kernel(pmd, addr) :
			pte_offset_map_lock(mm, pmd, addr, &ptl);
		if (!pte)
			return -EINVAL;
	}
	toy_apply(pte);
	if (mm != &toy_init_mm)
		pte_unmap_unlock(mapped_pte, ptl);
	return 0;
}

/* mm/madvise.c swapin_walk_pmd_entry(): map and lock the PTEs when the pointer is NULL, step it otherwise */
static int ptl_walk_swapin(struct toy_mm *mm, pmd_t *pmd, unsigned long start, unsigned long end)
{
	pte_t *ptep = NULL;
	spinlock_t *ptl;
	unsigned long addr;

	for (addr = start; addr < end; addr += PAGE_SIZE) {
		if (!ptep++) {
			ptep = pte_offset_map_lock(mm, pmd, addr, &ptl);
			if (!ptep)
				break;
		}
		if (!toy_is_swap(ptep))
			continue;
		pte_unmap_unlock(ptep, ptl);
		ptep = NULL;
		toy_read_swap_async(addr);
	}
	if (ptep)
		pte_unmap_unlock(ptep, ptl);
	cond_resched();
	return 0;
}
