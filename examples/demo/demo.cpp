// The smallest complete training loop, written with the autograd ops alone (no nn/ modules):
// a tiny network learns modular addition (a + b mod 11) from token embeddings, and prints its
// loss and accuracy falling. Built as minitrans-demo; read it before nn/module.h.
#include <cstdio>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "autograd/random.h"

using namespace mt;

int main() {
  constexpr int kVocab = 11, kWidth = 32, kHidden = 128, kSteps = 400;
  constexpr float kLr = 0.1f, kMomentum = 0.9f;
  manual_seed(0);

  // Every (a, b) pair is one example; the target is (a + b) mod 11.
  std::vector<int32_t> lhs, rhs, target;
  for (int a = 0; a < kVocab; ++a)
    for (int b = 0; b < kVocab; ++b) lhs.push_back(a), rhs.push_back(b), target.push_back((a + b) % kVocab);
  const int64_t n = static_cast<int64_t>(target.size());
  const IntTensor a_ids(lhs, {n}), b_ids(rhs, {n}), y(target, {n});

  // Parameters: an embedding, then a two-layer perceptron over the concatenated pair.
  Tensor embed = randn({kVocab, kWidth}).requires_grad_();
  Tensor w1 = (randn({2 * kWidth, kHidden}) * 0.125f).detach().requires_grad_();
  Tensor b1 = zeros({kHidden}, true);
  Tensor w2 = (randn({kHidden, kVocab}) * 0.09f).detach().requires_grad_();
  Tensor b2 = zeros({kVocab}, true);
  std::vector<Tensor> params{embed, w1, b1, w2, b2}, velocity;
  for (const Tensor& p : params) velocity.push_back(zeros(p.shape()));

  std::printf("training a %d-token modular-addition network on %lld examples\n", kVocab,
              static_cast<long long>(n));
  for (int step = 0; step <= kSteps; ++step) {
    const Tensor x = concat({embedding(embed, a_ids), embedding(embed, b_ids)}, 1);  // [N, 2W]
    const Tensor h = gelu(matmul(x, w1) + b1);                                      // [N, H]
    const Tensor logits = matmul(h, w2) + b2;                                       // [N, V]
    const Tensor loss = cross_entropy(logits, y);
    for (const Tensor& p : params) p.zero_grad();
    loss.backward();

    NoGradGuard no_grad;  // SGD with momentum: v = μ·v + g, p = p - lr·v
    for (size_t i = 0; i < params.size(); ++i) {
      float *p = params[i].data(), *v = velocity[i].data();
      const float* g = params[i].grad().data();
      for (int64_t j = 0; j < params[i].numel(); ++j) {
        v[j] = kMomentum * v[j] + g[j];
        p[j] -= kLr * v[j];
      }
    }
    if (step % 50 == 0) {
      const IntTensor predicted = argmax(logits, 1);
      int correct = 0;
      for (int64_t i = 0; i < n; ++i) correct += predicted.values[i] == target[i];
      std::printf("step %3d  loss %.4f  accuracy %5.1f%%\n", step, loss.item(), 100.0 * correct / n);
    }
  }
  return 0;
}
