/*
 * Modelled on seed 003 (early fs/dax.c): a fault-side helper takes the
 * mapping's i_mmap mutex and, when the file was truncated under it, returns
 * -EIO through the common exit without dropping the mutex.
 * Expectations: "expect: RULE" marks the line where a finding must appear;
 * functions without marks must stay quiet.
 */
struct mutex;
struct address_space { struct mutex i_mmap_mutex; };
struct inode { struct address_space *i_mapping; long i_size; };
struct vm_fault { unsigned long pgoff; };

static int toy_insert_mapping_buggy(struct inode *inode, struct vm_fault *vmf)
{
	struct address_space *mapping = inode->i_mapping;
	unsigned long size;
	int error;

	mutex_lock(&mapping->i_mmap_mutex);
	size = (inode->i_size + 4095) >> 12;
	if (vmf->pgoff >= size) {
		error = -EIO;
		goto out;
	}
	error = toy_insert_pfn(vmf);
	mutex_unlock(&mapping->i_mmap_mutex);
out:
	return error; /* expect: lock-leak */
}

static int toy_insert_mapping_fixed(struct inode *inode, struct vm_fault *vmf)
{
	struct address_space *mapping = inode->i_mapping;
	unsigned long size;
	int error;

	mutex_lock(&mapping->i_mmap_mutex);
	size = (inode->i_size + 4095) >> 12;
	if (vmf->pgoff >= size) {
		mutex_unlock(&mapping->i_mmap_mutex);
		error = -EIO;
		goto out;
	}
	error = toy_insert_pfn(vmf);
	mutex_unlock(&mapping->i_mmap_mutex);
out:
	return error;
}
